/**
 * The property registry: which ResMan properties the scheduled reconciliation reads, through
 * which API, and whether it currently does (`contact-sync property …`).
 */
import { InvalidInputError } from "../domain/errors.js";
import type {
  PropertyRegistration,
  ReconcileStore,
  RegisteredProperty,
} from "./ports/reconcileStore.js";

type Registry = Pick<ReconcileStore, "register" | "registerAll" | "setEnabled" | "registered">;

/** Registers a property (`property add`), or updates its registration (`add` twice updates). */
export function addProperty(
  store: Registry,
  registration: PropertyRegistration,
): Promise<{ property: RegisteredProperty; created: boolean }> {
  return store.register(registration);
}

/**
 * Registers a portfolio's properties (`property add --file`), checked before: all of them or,
 * should the database fail, none.
 */
export function addProperties(
  store: Registry,
  registrations: readonly PropertyRegistration[],
): Promise<{ property: RegisteredProperty; created: boolean }[]> {
  return store.registerAll(registrations);
}

/** Enables or disables a registered property; an unknown one is the caller's mistake. */
export async function setReconcileEnabled(
  store: Registry,
  property: string,
  enabled: boolean,
): Promise<RegisteredProperty> {
  const updated = await store.setEnabled(property, enabled);
  if (updated === null) {
    throw new InvalidInputError(
      `no registered property ${property}: register it with \`contact-sync property add\``,
    );
  }
  return updated;
}

/** The registered properties to reconcile: one (enabled or not: the operator named it), or all enabled. */
export async function propertiesToReconcile(
  store: Registry,
  property: string | undefined,
): Promise<RegisteredProperty[]> {
  const registered = await store.registered();
  if (property === undefined) return registered.filter((p) => p.enabled);
  const found = registered.find((p) => p.resmanPropertyId === property || p.id === property);
  if (found === undefined) {
    throw new InvalidInputError(
      `no registered property ${property}: register it with \`contact-sync property add\``,
    );
  }
  return [found];
}
