/**
 * Who may see what in the operator console. In AWS, API Gateway's JWT authorizer has already
 * checked the token's signature, issuer, audience and expiry before the console runs; the
 * console reads the verified claims from the request context and checks, on every page and
 * action, that the property concerned is one the token lists. Locally (127.0.0.1 only) the
 * local server passes the claims of a local operator who may see every property.
 *
 * The property claim (`CONSOLE_PROPERTIES_CLAIM`, default `contact_sync_properties`) lists
 * DomIQ property ids (contact-sync's property ids), or `*` for all. API Gateway hands an array
 * claim over as the text `[a b c]`; a JSON array, commas or spaces are read as well.
 */

/** The claim naming the properties a console user may see, unless configured otherwise. */
export const DEFAULT_PROPERTIES_CLAIM = "contact_sync_properties";

export interface Principal {
  /** The token's subject: recorded as who decided a review item. */
  subject: string;
  /** The properties this user may see and act on. */
  properties: "all" | ReadonlySet<string>;
}

/** The claims as the JWT authorizer passes them (values may be text for arrays). */
export type Claims = Record<string, unknown>;

/** The ids listed in a claim's value, or "all" for `*`. */
export function propertiesOfClaim(value: unknown): Principal["properties"] {
  const items: string[] = [];
  const add = (text: string) => {
    for (const part of text.split(/[\s,]+/)) {
      const id = part.trim().replace(/^["'[]+|["'\]]+$/g, "");
      if (id !== "") items.push(id.toLowerCase());
    }
  };
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === "string") add(item);
  } else if (typeof value === "string") {
    const text = value.trim();
    if (text.startsWith("[") && text.includes('"')) {
      try {
        const parsed = JSON.parse(text) as unknown;
        return propertiesOfClaim(Array.isArray(parsed) ? parsed : []);
      } catch {
        add(text);
      }
    } else add(text);
  }
  if (items.includes("*")) return "all";
  return new Set(items);
}

/** The principal of verified claims; null without a subject (no token reached the console). */
export function principalOf(claims: Claims | undefined, claimName: string): Principal | null {
  if (claims === undefined) return null;
  const subject = claims.sub;
  if (typeof subject !== "string" || subject === "") return null;
  return { subject, properties: propertiesOfClaim(claims[claimName]) };
}

/** Whether the principal may see and act on the property. */
export function mayAccess(principal: Principal, propertyId: string): boolean {
  return principal.properties === "all" || principal.properties.has(propertyId.toLowerCase());
}

/** The claims of the local operator: every property (the local server is 127.0.0.1 only). */
export function localOperatorClaims(claimName: string = DEFAULT_PROPERTIES_CLAIM): Claims {
  return { sub: "local-operator", [claimName]: "*" };
}
