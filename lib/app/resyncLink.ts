/**
 * The console's Retry on a failed link: read the person again from ResMan and send the record
 * through the sync path, as a reconciliation would. The person is looked for in the roster
 * (applicants and residents) and then among the prospects and leases changed in the last
 * `lookbackDays` (ResMan has no read of one person). Needs the property's registration for
 * reconciliation (its ResMan account and API). Says what happened by code, never by value.
 */
import { InvalidInputError } from "../domain/errors.js";
import type { ResmanPerson } from "../domain/person.js";
import type { Clock } from "./ports/clock.js";
import type { ConsoleStore } from "./ports/consoleStore.js";
import type { PersonSink } from "./ports/personSink.js";
import type { ReconcileStore } from "./ports/reconcileStore.js";
import type { ResmanSource } from "./ports/resmanSource.js";
import { personMessage } from "./reconcileProperty.js";

export interface ResyncDependencies {
  source: ResmanSource;
  registry: Pick<ReconcileStore, "registered">;
  links: Pick<ConsoleStore, "link">;
  sink: PersonSink;
  clock: Clock;
  /** How far back changed prospects and leases are read (default 30 days). */
  lookbackDays?: number;
}

/**
 * What a retry did: synced again (in this process), queued for the sync worker (on AWS), failed
 * again (the link says why), not found in ResMan, or not finished (an outage: try again).
 */
export type ResyncOutcome = "synced" | "queued" | "failed" | "not_found" | "incomplete";

export async function resyncLink(
  deps: ResyncDependencies,
  propertyId: string,
  linkId: string,
): Promise<ResyncOutcome> {
  const link = await deps.links.link(linkId);
  if (link === null || link.propertyId !== propertyId) {
    throw new InvalidInputError(`no link ${linkId} in property ${propertyId}`);
  }
  if (link.personId === null) {
    throw new InvalidInputError(
      `link ${linkId} is a chatbot lead's: there is no ResMan record to read`,
    );
  }
  const property = (await deps.registry.registered()).find((p) => p.id === propertyId);
  if (property === undefined) {
    throw new InvalidInputError(
      `property ${propertyId} is not registered for reconciliation (contact-sync property add): a retry reads ResMan through it`,
    );
  }
  const wanted = link.personId.toLowerCase();
  const find = (people: readonly ResmanPerson[]) =>
    people.find((p) => p.person_id.toLowerCase() === wanted);
  const now = deps.clock.now();
  let person = find((await deps.source.roster(property)).people);
  if (person === undefined) {
    const since = new Date(now.getTime() - (deps.lookbackDays ?? 30) * 86_400_000);
    for (const resource of deps.source.incrementalResources(property.api)) {
      person = find(
        (await deps.source.changedPeople(property, resource, { since, until: now })).people,
      );
      if (person !== undefined) break;
    }
  }
  if (person === undefined) return "not_found";
  // Roster records carry no last_modified: stamped now, as the roster pass stamps them.
  const message = personMessage(property, person, "person.upserted", now.toISOString());
  if (message === null) return "failed";
  const tally = await deps.sink.deliver([message]);
  if (tally.failed > 0) return "failed";
  if (tally.incomplete > 0) return "incomplete";
  return tally.enqueued > 0 ? "queued" : "synced";
}
