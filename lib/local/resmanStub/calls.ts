/**
 * The ResMan stand-in's record of the API requests it answered, for tests to assert on what a
 * client asked (which window, how often, after which fault). Credentials are never recorded:
 * `params` holds the query (v2) or the form fields (v1) without `IntegrationPartnerID` and
 * `ApiKey`, and headers are not kept. Admin requests are not recorded.
 */
import type { FaultKind } from "./faults.js";

export interface StubCall {
  /** When the request arrived (real time), ISO-8601. */
  at: string;
  method: string;
  /** `v1`, `v2`, or null for a path under neither. */
  api: "v1" | "v2" | null;
  /** The path under the API's base, without the query: `/Prospects`, `/MITS/SearchProspects`. */
  path: string;
  /** The PropertyID asked for (v2 query `propertyId`, v1 form `PropertyID`), if any. */
  propertyId: string | null;
  /** The AccountID sent (v2 header `ResMan-Account-Id`, v1 form `AccountID`), if a number. */
  accountId: number | null;
  params: Record<string, string>;
  /** The HTTP status answered; 0 when none was (`drop_after_write` dropped the socket). */
  status: number;
  /** Milliseconds from arrival to answer, injected delays included. */
  ms: number;
  /** The kind of fault that shaped the answer, if one did (`slow` when only delayed). */
  fault: FaultKind | null;
}

/** Form fields that are credentials: never recorded. */
const SECRET_FIELDS = new Set(["integrationpartnerid", "apikey"]);

/** Query or form fields as a record, credentials left out. */
export function recordableParams(fields: URLSearchParams): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of fields) {
    if (!SECRET_FIELDS.has(name.toLowerCase())) params[name] = value;
  }
  return params;
}

export class CallLog {
  private calls: StubCall[] = [];

  record(call: StubCall): void {
    this.calls.push(call);
  }

  list(): StubCall[] {
    return this.calls.map((call) => ({ ...call, params: { ...call.params } }));
  }

  clear(): void {
    this.calls = [];
  }
}
