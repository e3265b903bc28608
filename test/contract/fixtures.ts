/**
 * Helpers shared by the contract suites: fictional people, properties with a chosen merge
 * strategy, and whole-property snapshots to compare database states.
 */
import { randomUUID } from "node:crypto";
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll } from "vitest";
import type { Database } from "../../lib/adapters/db/client.js";
import {
  contactMatchingRules,
  contactMergeHistory,
  contactSync,
  processedEvent,
  property as propertyTable,
  user,
} from "../../lib/adapters/db/schema.js";
import { createStores, type Stores } from "../../lib/adapters/db/stores.js";
import type { Clock, PropertyContext } from "../../lib/app/ports.js";
import type { SyncDependencies } from "../../lib/app/syncPerson.js";
import type { DriverName } from "../../lib/config.js";
import type { ResmanPerson } from "../../lib/domain/person.js";
import { DEFAULT_MATCHING_CRITERIA } from "../../lib/domain/rules.js";
import type { MergeStrategy } from "../../lib/domain/survivorship.js";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";

/** A fictional prospect; 555-01xx numbers are reserved for fiction. */
export function person(overrides: Partial<ResmanPerson> = {}): ResmanPerson {
  return {
    person_id: randomUUID(),
    status: "prospect",
    first_name: "Avery",
    last_name: "Quill",
    email: "avery.quill@mailbox.dev",
    phones: [{ type: "mobile", number: "(415) 555-0123" }],
    last_modified: "2026-03-01T10:00:00Z",
    ...overrides,
  };
}

/** A new property (its own ResMan GUID), optionally with a merge strategy rule. */
export async function newProperty(
  db: Database,
  options: { strategy?: MergeStrategy; officePhone?: string } = {},
): Promise<PropertyContext> {
  const stores = createStores(db);
  const created = await stores.properties.ensureResmanProperty({ resmanPropertyId: randomUUID() });
  if (options.officePhone !== undefined) {
    await db
      .update(propertyTable)
      .set({ officePhone: options.officePhone })
      .where(eq(propertyTable.id, created.id));
  }
  if (options.strategy !== undefined) {
    await db.insert(contactMatchingRules).values({
      propertyId: created.id,
      matchingCriteria: {},
      mergeStrategy: options.strategy,
    });
  }
  const found = await stores.properties.findProperty(created.id);
  if (found === null) throw new Error("property not found after creation");
  return found;
}

/**
 * A new property whose review band starts low (-20), so a household pair (a shared phone and
 * surname, different first names) lands in review whatever the default weights are tuned to.
 */
export async function wideReviewBandProperty(stores: Stores): Promise<PropertyContext> {
  const created = await stores.properties.ensureResmanProperty({ resmanPropertyId: randomUUID() });
  await stores.rules.setRules(created.id, {
    criteria: {
      ...DEFAULT_MATCHING_CRITERIA,
      thresholds: { ...DEFAULT_MATCHING_CRITERIA.thresholds, review: -20 },
    },
  });
  const found = await stores.properties.findProperty(created.id);
  if (found === null) throw new Error("property vanished");
  return found;
}

/** Every row the sync path writes for a property, in a stable order. */
export async function propertySnapshot(db: Database, propertyId: string) {
  const [contacts, links, merges, events] = await Promise.all([
    db.select().from(user).where(eq(user.propertyId, propertyId)).orderBy(asc(user.id)),
    db
      .select()
      .from(contactSync)
      .where(eq(contactSync.propertyId, propertyId))
      .orderBy(asc(contactSync.personId)),
    db
      .select()
      .from(contactMergeHistory)
      .where(eq(contactMergeHistory.propertyId, propertyId))
      .orderBy(asc(contactMergeHistory.id)),
    db
      .select()
      .from(processedEvent)
      .where(eq(processedEvent.propertyId, propertyId))
      .orderBy(asc(processedEvent.eventId)),
  ]);
  return { contacts, links, merges, events };
}

type PropertySnapshot = Awaited<ReturnType<typeof propertySnapshot>>;

/**
 * What the order of deliveries must not change (design §6 invariant 11), from a property
 * snapshot: each contact's values, sources, field versions, secondary values and record
 * variants, kind and keys, and each link's person, contact, ResMan status and version. Left
 * out: row ids, timestamps and version counters, and which link created its contact
 * (`success`) and which matched it (`merged`) — the history of the arrival order itself, like
 * the match score and evidence each record got when it arrived. Contacts are named by their
 * links' PersonIDs.
 */
export function comparable(snapshot: PropertySnapshot) {
  const nameOf = new Map<string, string>();
  for (const contact of snapshot.contacts) {
    const persons = snapshot.links
      .filter((l) => l.userId === contact.id)
      .map((l) => l.personId ?? "")
      .sort();
    nameOf.set(contact.id, persons.join("+") || `unlinked:${contact.firstName}`);
  }
  const contacts = snapshot.contacts
    .map(({ id, propertyId: _p, version: _v, createdAt: _c, updatedAt: _u, ...rest }) => ({
      ...rest,
      contact: nameOf.get(id),
      mergedIntoId: rest.mergedIntoId === null ? null : nameOf.get(rest.mergedIntoId),
    }))
    .sort((a, b) => ((a.contact ?? "") < (b.contact ?? "") ? -1 : 1));
  const links = snapshot.links.map((l) => ({
    person: l.personId,
    contact: l.userId === null ? null : nameOf.get(l.userId),
    linked: l.syncStatus === "success" || l.syncStatus === "merged" ? "linked" : l.syncStatus,
    resmanStatus: l.resmanStatus,
    sourceUpdatedAt: l.sourceUpdatedAt?.toISOString() ?? null,
    sourceHash: l.sourceHash,
  }));
  return { contacts, links };
}

export type { Stores };

/** A contract suite's database and the sync path over it. */
export interface SyncSuite {
  database: TestDatabase;
  db: Database;
  deps: SyncDependencies;
}

/**
 * Opens a database of `driver` before the suite's tests (closed after them) with the sync path's
 * dependencies on it; the fields are set once `beforeAll` has run.
 */
export function syncSuite(driver: DriverName, clock: Clock): SyncSuite {
  const suite = {} as SyncSuite;
  beforeAll(async () => {
    suite.database = await openTestDatabase(driver);
    suite.db = suite.database.handle.db;
    suite.deps = { store: createStores(suite.db).contacts, clock };
  });
  afterAll(async () => {
    await suite.database?.cleanup();
  });
  return suite;
}
