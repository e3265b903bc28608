/**
 * TUNING AID ONLY: an in-memory `ContactStore` for the match-quality benchmark
 * (`BENCH_QUALITY_DRIVER=memory`), to iterate on matcher weights in seconds instead of the ~45 s
 * a 5,000-row set takes on Postgres. The figures of record come from Postgres. This is NOT a
 * database test double and no test may use it: tests that touch SQL run on real Postgres and
 * PGlite only.
 *
 * It mirrors, sequentially, what the database stores (`lib/adapters/db/contactStore.ts` and the
 * reads and writes it uses) let decisions see:
 * - reads: the person's link (with a contact) and key versions; unless the link holds the digest
 *   (a replay), the linked contact and the live contacts sharing a blocking key held by at most
 *   `MAX_BLOCK_SIZE` of them (the others are `commonKeys`), plus exact email / phone / name +
 *   birth-date matches among contacts without blocking keys; by id, each with the ResMan
 *   statuses of its links to other persons;
 * - guarded writes: each key still at the version read is bumped (a new one created at 1) even
 *   when the guard fails, as the CTEs do; only when all held and the contact is at its version:
 *   contact insert (version 0) or update (+1, when `changed`), link upsert by person, a review
 *   item once per pair, merge history;
 * - the locking transaction (no rollback: the sync path writes last), a wave's transaction
 *   (every key bumped, then each write's reading checked and applied in turn), `findLink`, `markFailed`.
 *   No enrichment and no review approvals (no contact is ever merged away here).
 *
 * Over 400 lines as one thing: one port implemented in memory; its reads and writes must mirror
 * the SQL together for the figures to match.
 */
import { randomUUID } from "node:crypto";
import type {
  CandidateLookup,
  ContactStore,
  Guarded,
  LinkListing,
  PropertyContext,
  PropertyStore,
  SnapshotRequest,
  SyncSnapshot,
  SyncTransaction,
  SyncWrite,
  WriteGuard,
} from "../../lib/app/ports.js";
import { MAX_BLOCK_SIZE } from "../../lib/domain/blocking.js";
import type { Contact } from "../../lib/domain/contact.js";
import type { PersonStatus } from "../../lib/domain/person.js";
import { DEFAULT_MATCHING_CRITERIA } from "../../lib/domain/rules.js";
import { DEFAULT_MERGE_STRATEGY } from "../../lib/domain/survivorship.js";
import type {
  ContactWrite,
  LinkState,
  LinkStatus,
  LinkWrite,
  MergeRecord,
  ReviewWrite,
} from "../../lib/domain/syncDecision.js";

type StoredFields = Omit<Contact, "linkedStatuses">;
type Nullable<T> = { [K in keyof T]: T[K] | null };

interface StoredContact {
  propertyId: string;
  fields: StoredFields;
  /** `fields` as JSON: each read parses a copy of its own (3× faster than `structuredClone`). */
  json: string;
  version: number;
}

/**
 * A `contact_sync` row: the columns of the last link write (whatever fields `LinkWrite` gains),
 * or of `markFailed`.
 */
interface StoredLink extends Nullable<Omit<LinkWrite, "id" | "personId">> {
  id: string;
  propertyId: string;
  personId: string;
  contactId: string | null;
  status: LinkStatus;
  attempts: number;
  lastError: string | null;
}

/** What jsonb and text columns keep of a value: no `undefined`, no functions, dates as text. */
const jsonCopy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const scoped = (propertyId: string, key: string) => `${propertyId}\u0000${key}`;

/**
 * The contact a write stores, as `contactFromRow(contactColumns(write))` reads it back: every
 * field of the write (whatever fields `ContactWrite` gains) but `isNew` and `changed`, through
 * JSON like the jsonb columns, with the row mapping's two normalisations.
 */
function storedFields(write: ContactWrite, createdAt: Date): StoredFields {
  const { id, isNew: _isNew, changed: _changed, ...rest } = write;
  const fields = { ...jsonCopy(rest), id, createdAt };
  // contactFromRow: an address with no part set is no address; an empty variant list is none.
  const { address } = fields.values;
  if (
    address !== null &&
    !(address.line1 ?? address.line2 ?? address.city ?? address.state ?? address.postalCode)
  ) {
    fields.values.address = null;
  }
  if (fields.secondary.variants?.length === 0) delete fields.secondary.variants;
  return fields;
}

/** `linkFromRow`: a link without a contact is no link for a decision. */
function linkStateOf(link: StoredLink | undefined): LinkState | null {
  if (link === undefined || link.contactId === null) return null;
  const { id, contactId, status, sourceUpdatedAt, sourceHash, resmanStatus, matchScore } = link;
  const evidence = link.evidence === null ? null : jsonCopy(link.evidence);
  return { id, contactId, status, sourceUpdatedAt, sourceHash, resmanStatus, matchScore, evidence };
}

export function createMemoryStores() {
  const properties: PropertyContext[] = [];
  const contacts = new Map<string, StoredContact>();
  /** By property and person id (`unique (property_id, resman_contact_id)`). */
  const links = new Map<string, StoredLink>();
  const linksOf = new Map<string, Set<StoredLink>>();
  /** Contacts by property and blocking key (the GIN index on `block_keys`). */
  const blockIndex = new Map<string, Set<string>>();
  /** Contacts without blocking keys, by property (found by their exact keys). */
  const unblocked = new Map<string, Set<string>>();
  /** `identity_key`: the version of each identity key, by property and key name. */
  const keyRows = new Map<string, number>();
  const inbox = new Set<string>();
  const reviewPairs = new Set<string>();
  const reviews: (ReviewWrite & { contactId: string; linkId: string })[] = [];
  const merges: { contactId: string; linkId: string; personId: string; merge: MergeRecord }[] = [];
  /** `created_at`: a fake clock, strictly increasing, so "oldest first" is never a tie. */
  let clock = Date.UTC(2025, 0, 1);

  const setOf = <V>(map: Map<string, Set<V>>, key: string): Set<V> => {
    const set = map.get(key) ?? new Set<V>();
    map.set(key, set);
    return set;
  };

  function index(stored: StoredContact, add: boolean): void {
    const { propertyId, fields } = stored;
    const sets =
      fields.blockKeys.length === 0
        ? [setOf(unblocked, propertyId)]
        : fields.blockKeys.map((block) => setOf(blockIndex, scoped(propertyId, block)));
    for (const set of sets) {
      if (add) set.add(fields.id);
      else set.delete(fields.id);
    }
  }

  /** `keyCounts`: how many live contacts hold each counted key, up to MAX_BLOCK_SIZE + 1. */
  function keyCounts(propertyId: string, keys: readonly string[] = []): Record<string, number> {
    return Object.fromEntries(
      keys.map((key) => [
        key,
        Math.min(MAX_BLOCK_SIZE + 1, blockIndex.get(scoped(propertyId, key))?.size ?? 0),
      ]),
    );
  }

  /** `commonBlocks`: the keys held by more than `MAX_BLOCK_SIZE` live contacts, in order. */
  const commonBlocks = (propertyId: string, blocks: readonly string[]) =>
    blocks.filter(
      (block) => (blockIndex.get(scoped(propertyId, block))?.size ?? 0) > MAX_BLOCK_SIZE,
    );

  /** `candidateIds`: the person's linked contact, and the contacts of `keyLookups`, by id. */
  function candidateIds(propertyId: string, personId: string, lookup: CandidateLookup) {
    const ids = new Set<string>();
    const linked = links.get(scoped(propertyId, personId))?.contactId;
    if (linked != null) ids.add(linked);
    const common = new Set(commonBlocks(propertyId, lookup.blocks));
    for (const block of lookup.blocks) {
      if (common.has(block)) continue;
      for (const id of blockIndex.get(scoped(propertyId, block)) ?? []) ids.add(id);
    }
    const { email, phones, nameDob } = lookup.keys;
    for (const id of unblocked.get(propertyId) ?? []) {
      const { keys } = (contacts.get(id) as StoredContact).fields;
      if (
        (email !== null && keys.email === email) ||
        keys.phones.some((phone) => phones.includes(phone)) ||
        (nameDob !== null && keys.nameDob === nameDob)
      ) {
        ids.add(id);
      }
    }
    return [...ids].sort();
  }

  /** The candidate contacts (each with its links' statuses but `personId`'s) and versions. */
  function readContacts(propertyId: string, personId: string, lookup: CandidateLookup) {
    const versions = new Map<string, number>();
    const found: Contact[] = [];
    for (const id of candidateIds(propertyId, personId, lookup)) {
      const stored = contacts.get(id);
      if (stored === undefined) continue;
      const linkedStatuses: PersonStatus[] = [];
      for (const link of linksOf.get(id) ?? []) {
        if (link.personId !== personId && link.resmanStatus !== null) {
          linkedStatuses.push(link.resmanStatus);
        }
      }
      versions.set(id, stored.version);
      const createdAt = new Date(stored.fields.createdAt);
      found.push({ ...(JSON.parse(stored.json) as StoredFields), createdAt, linkedStatuses });
    }
    return { contacts: found, contactVersions: versions };
  }

  function snapshotOf(
    propertyId: string,
    { personId, lookup, lockKeys, digest }: SnapshotRequest,
    event: { source: string; id: string } | undefined,
  ): Guarded<SyncSnapshot> {
    const keyVersions = new Map<string, number>();
    for (const key of lockKeys) {
      const version = keyRows.get(scoped(propertyId, key));
      if (version !== undefined) keyVersions.set(key, version);
    }
    const link = linkStateOf(links.get(scoped(propertyId, personId)));
    const seen = event !== undefined && inbox.has(`${event.source}\u0000${event.id}`);
    if (link !== null && link.sourceHash === digest) {
      return { seen, keyVersions, contactVersions: new Map(), link, contacts: [], commonKeys: [] };
    }
    const commonKeys = commonBlocks(propertyId, lookup.blocks);
    return {
      seen,
      keyVersions,
      link,
      commonKeys,
      keyCounts: keyCounts(propertyId, lookup.counted),
      ...readContacts(propertyId, personId, lookup),
    };
  }

  /** `decisionWrites`: the contact, the link upsert, the review item, the merge history. */
  function apply(propertyId: string, write: SyncWrite): { contactId: string; linkId: string } {
    const { contact, link } = write;
    const existing = contacts.get(contact.id);
    if (contact.isNew) {
      if (existing !== undefined) throw new Error(`contact ${contact.id} exists`);
      clock += 1;
      const fields = storedFields(contact, new Date(clock));
      const stored = { propertyId, fields, json: JSON.stringify(fields), version: 0 };
      contacts.set(contact.id, stored);
      index(stored, true);
    } else if (contact.changed && existing?.propertyId === propertyId) {
      index(existing, false);
      existing.fields = storedFields(contact, existing.fields.createdAt);
      existing.json = JSON.stringify(existing.fields);
      existing.version += 1;
      index(existing, true);
    }
    const key = scoped(propertyId, link.personId);
    const before = links.get(key);
    if (before?.contactId != null) linksOf.get(before.contactId)?.delete(before);
    const { id: _id, sourceUpdatedAt, evidence, ...columns } = link;
    const stored: StoredLink = Object.assign(before ?? {}, {
      ...columns,
      id: before?.id ?? randomUUID(),
      propertyId,
      contactId: contact.id,
      sourceUpdatedAt: sourceUpdatedAt === null ? null : new Date(sourceUpdatedAt),
      evidence: jsonCopy(evidence),
      attempts: 0,
      lastError: null,
    });
    links.set(key, stored);
    setOf(linksOf, contact.id).add(stored);
    if (write.action === "create" && write.review !== null) {
      const pair = scoped(propertyId, [contact.id, write.review.candidateId].sort().join(" "));
      if (!reviewPairs.has(pair)) {
        reviewPairs.add(pair);
        reviews.push({ ...write.review, contactId: contact.id, linkId: stored.id });
      }
    }
    if (write.action === "merge") {
      const { merge } = write;
      merges.push({ contactId: contact.id, linkId: stored.id, personId: link.personId, merge });
    }
    return { contactId: contact.id, linkId: stored.id };
  }

  const bump = (propertyId: string, key: string) => {
    const name = scoped(propertyId, key);
    keyRows.set(name, (keyRows.get(name) ?? 0) + 1);
  };

  /** `guardParts`: bumps the keys still at the version read; whether the whole guard held. */
  function guardHolds(propertyId: string, contactId: string, guard: WriteGuard): boolean {
    const keys = new Set(guard.keys);
    let held = 0;
    for (const key of keys) {
      if (keyRows.get(scoped(propertyId, key)) !== guard.keyVersions.get(key)) continue;
      bump(propertyId, key);
      held += 1;
    }
    const contact = contacts.get(contactId);
    const contactHeld =
      guard.contactVersion === null ||
      (contact?.propertyId === propertyId && contact.version === guard.contactVersion);
    return held === keys.size && contactHeld;
  }

  /** The inbox claim: true when the event (if any) was not processed before. */
  function claim(event: { source: string; id: string } | undefined): boolean {
    if (event === undefined) return true;
    const key = `${event.source}\u0000${event.id}`;
    const claimed = !inbox.has(key);
    inbox.add(key);
    return claimed;
  }

  const unsupported = async (): Promise<never> => {
    throw new Error("not supported in the memory store (a tuning aid for bench:quality)");
  };

  const transaction: SyncTransaction = {
    async claimAndLock(propertyId, keys, event) {
      const claimed = claim(event);
      for (const key of new Set(keys)) bump(propertyId, key);
      return claimed;
    },
    async loadSnapshot(propertyId, personId, lookup) {
      const read = readContacts(propertyId, personId, lookup);
      const stored = links.get(scoped(propertyId, personId));
      // The link comes joined to the contacts read: its contact is always among them.
      const link =
        stored?.contactId != null && read.contactVersions.has(stored.contactId)
          ? linkStateOf(stored)
          : null;
      return {
        link,
        contacts: read.contacts,
        commonKeys: commonBlocks(propertyId, lookup.blocks),
        keyCounts: keyCounts(propertyId, lookup.counted),
      };
    },
    apply: async (propertyId, write) => apply(propertyId, write),
    loadEnrichmentCandidates: unsupported,
    applyEnrichment: unsupported,
  };

  const store: ContactStore = {
    async readSnapshot(propertyId, personId, lookup, lockKeys, event, digest) {
      return snapshotOf(propertyId, { personId, lookup, lockKeys, digest }, event);
    },
    async readSnapshots(propertyId, requests) {
      return requests.map((request) => snapshotOf(propertyId, request, undefined));
    },
    // Nothing to remember: every read is a plain `readSnapshots`.
    snapshotReader: (propertyId) => ({
      read: (requests) => store.readSnapshots(propertyId, requests),
      writeWave: (writes, options) => store.writeWave(propertyId, writes, options),
      forget: () => {},
      readAhead: (requests) => requests.map(() => undefined),
      aheadHeld: () => false,
    }),
    async writeGuarded(propertyId, write, _announce, guard) {
      if (!guardHolds(propertyId, write.contact.id, guard)) return { status: "conflict" };
      if (!claim(guard.event)) return { status: "duplicate" };
      return { status: "applied", ...apply(propertyId, write) };
    },
    readEnrichment: unsupported,
    writeEnrichmentGuarded: unsupported,
    transaction: (work) => work(transaction),
    async writeWave(propertyId, writes) {
      for (const { guard } of writes) {
        for (const key of new Set(guard.keys)) {
          keyRows.set(scoped(propertyId, key), (keyRows.get(scoped(propertyId, key)) ?? 0) + 1);
        }
      }
      return writes.map(({ write, guard }) => {
        for (const key of new Set(guard.keys)) {
          const now = keyRows.get(scoped(propertyId, key));
          if (now !== (guard.keyVersions.get(key) ?? 0) + 1) return { status: "conflict" };
        }
        if (guard.contactVersion !== null) {
          const contact = contacts.get(write.contact.id);
          if (contact?.propertyId !== propertyId || contact.version !== guard.contactVersion)
            return { status: "conflict" };
        }
        if (!claim(guard.event)) return { status: "duplicate" };
        return { status: "applied", ...apply(propertyId, write) };
      });
    },
    findLink: async (propertyId, personId) => linkStateOf(links.get(scoped(propertyId, personId))),
    async markFailed(propertyId, personId, failure) {
      const key = scoped(propertyId, personId);
      const lastError = `${failure.code}: ${failure.message}`.slice(0, 1000);
      const stored = links.get(key);
      if (stored !== undefined) {
        Object.assign(stored, { status: "failed", attempts: stored.attempts + 1, lastError });
        return;
      }
      links.set(key, {
        ...{ id: randomUUID(), propertyId, personId, contactId: null, status: "failed" },
        ...{ resmanStatus: null, sourceUpdatedAt: null, sourceHash: null, matchScore: null },
        ...{ evidence: null, attempts: 1, lastError },
      });
    },
  };

  const propertyStore: Pick<PropertyStore, "ensureResmanProperty"> = {
    async ensureResmanProperty(ref) {
      const found = properties.find((p) => p.resmanPropertyId === ref.resmanPropertyId);
      if (found !== undefined) return found;
      const created: PropertyContext = {
        id: randomUUID(),
        name: ref.name ?? `ResMan property ${ref.resmanPropertyId}`,
        resmanPropertyId: ref.resmanPropertyId,
        resmanAccountId: ref.resmanAccountId ?? null,
        countryCode: "US",
        officePhone: ref.officePhone ?? null,
        mergeStrategy: DEFAULT_MERGE_STRATEGY,
        matchingCriteria: DEFAULT_MATCHING_CRITERIA,
      };
      properties.push(created);
      return created;
    },
  };

  return {
    contacts: store,
    properties: propertyStore,
    /** The property's links, as `ReportStore.links` lists them. */
    async *links(propertyId: string): AsyncIterable<LinkListing> {
      for (const link of links.values()) {
        if (link.propertyId !== propertyId) continue;
        const { personId, contactId, status, matchScore } = link;
        yield { personId: personId, userId: contactId, syncStatus: status, matchScore };
      }
    },
    /** The property's links with their evidence (for diagnosing a tuning run). */
    linkStates(propertyId: string): (LinkState & { personId: string })[] {
      return [...links.values()].flatMap((link) => {
        const state = link.propertyId === propertyId ? linkStateOf(link) : null;
        return state === null ? [] : [{ ...state, personId: link.personId }];
      });
    },
    /** Each contact of the property and the contact it was merged into: none here. */
    contactRows(propertyId: string): { id: string; mergedIntoId: string | null }[] {
      return [...contacts.values()]
        .filter((c) => c.propertyId === propertyId)
        .map((c) => ({ id: c.fields.id, mergedIntoId: null }));
    },
    reviews: reviews as readonly (typeof reviews)[number][],
    merges: merges as readonly (typeof merges)[number][],
  };
}

export type MemoryStores = ReturnType<typeof createMemoryStores>;
