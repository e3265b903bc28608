/**
 * What a run of reads and waves (`ContactStore.snapshotReader`: an import chunk's, a queue
 * batch's) remembers between its statements, so that a person read again after a wave is read
 * from memory where the database could only tell it what the reader already knows.
 *
 * It holds the contacts it decoded or wrote (rows as read, or as its own waves sent them with
 * the versions and times their statements returned; with their links' statuses), each person's
 * last reading, the exact sizes of keys it counted or moved (`exact`), the keys it counted as
 * too common to search by (`common`), and how many times its waves bumped each identity key.
 * A person read again
 * (not a replay; with a delivery, the same one, not yet in the inbox at its last reading) is
 * derived (`derive`) from its last reading and the waves
 * since: its candidates are its last ones and the held contacts that now hold a key it searches
 * by (written since by the waves, or read since for another person), kept where the statement's
 * lookups would keep them (a searched key or, without blocking keys, one of its exact keys), and
 * its link's contact (the link as last read); its
 * keys' versions are the ones it read plus the reader's own bumps since. What a writer outside
 * the run changed meanwhile is not seen — exactly what the write's guard checks: a key not one
 * version past the one derived, a key too common to search by not at the version derived (a
 * merge or unmerge bumps every key it touches, a reindex every key it takes away: the ways such
 * a key shrinks), or a contact not
 * at its version, makes the row's write stale and the reader forget everything, so the row is
 * read from the database again. A key counted above `MAX_BLOCK_SIZE` is remembered as too
 * common (`common`: at least `MAX_BLOCK_SIZE + 1` holders) until its own waves take contacts out
 * of it; keys never counted are counted by a statement when a person is read again.
 *
 * A wave in flight is taken as written at once (`sent`: its rows as sent, new contacts created
 * at `NOT_YET_TIME`), so persons can be read ahead of its statement; when the statement returns
 * (`confirmed`) the reader checks it wrote what was taken, and forgets everything if not.
 *
 * (Over 400 lines: one memory — contacts, readings, key sizes and bumps — and every way it
 * moves; a piece apart would have to reach into the others' maps.)
 */
import type {
  EventRef,
  Guarded,
  GuardedResult,
  SnapshotRequest,
  SyncSnapshot,
  WaveApplied,
  WaveWrite,
} from "../../app/ports.js";
import { MAX_BLOCK_SIZE } from "../../domain/blocking.js";
import type { Contact } from "../../domain/contact.js";
import type { PersonStatus } from "../../domain/person.js";
import { contactFromRow } from "./contactRows.js";
import type { user } from "./schema.js";
import type { WaveWritten } from "./waveWrites.js";

/** `[person id, ResMan status]` of each of a contact's links with a status. */
export type LinkStatuses = [string | null, PersonStatus][];

type UserRow = typeof user.$inferSelect;

/**
 * A contact as read: its row, its links' statuses and the domain contact as persons see it, by
 * the statuses of its other links (`seen`): kept while the contact is remembered, so that reads
 * again hand the matcher the same objects (and it compares their values in the forms it made).
 */
export interface HeldContact {
  row: UserRow;
  links: LinkStatuses;
  seen: Map<string, Contact>;
}

/** The contact as `personId` sees it: the statuses of its links to other persons decide its kind. */
export function contactSeenBy(held: HeldContact, personId: string): Contact {
  const other = held.links
    .filter(([linked]) => linked !== null && linked !== personId)
    .map(([, status]) => status);
  const seenAs = other.join(",");
  let contact = held.seen.get(seenAs);
  if (contact === undefined) {
    contact = contactFromRow(held.row, other);
    held.seen.set(seenAs, contact);
  }
  return contact;
}

/** A person's last reading, with what the reader had done when it was made. */
interface LastReading {
  digest: string;
  snapshot: Guarded<SyncSnapshot>;
  /** The delivery whose inbox entry it checked, if any (`seen` says for that one only). */
  delivery: EventRef | undefined;
  ids: readonly string[];
  /** The reader's bumps of the person's identity keys at the time. */
  bumpsAt: Map<string, number>;
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The times of a row its wave's statement has not returned yet (`sent`): a new contact's creation
 * time sorts after every contact's, as the statement's will (`confirmed` checks it does).
 */
export const NOT_YET_TIME = new Date(8.64e15);

/** What `confirmed` checks a wave's statement against: what `sent` took as written. */
export interface SentWave {
  /** The latest creation time (ms) of a contact held when the wave was sent. */
  latest: number;
  contacts: number;
  links: WaveWritten["links"];
}

export class RememberedReadings {
  private readonly rows = new Map<string, HeldContact>();
  private readonly readings = new Map<string, LastReading>();
  private readonly exact = new Map<string, number>();
  /** Keys counted above `MAX_BLOCK_SIZE`: at least this many holders (moved as `exact`). */
  private readonly common = new Map<string, number>();
  private readonly bumps = new Map<string, number>();
  /** The held contacts by blocking key, and those without blocking keys. */
  private readonly holders = new Map<string, Set<string>>();
  private readonly keyless = new Set<string>();
  /** The latest creation time (ms) of a contact held, as the database has it. */
  private latest = Number.NEGATIVE_INFINITY;

  /** `{ contact id: version }` of the candidates the requests' persons had at their last read. */
  knownFor(requests: readonly SnapshotRequest[]): Record<string, number> {
    const known: Record<string, number> = {};
    for (const request of requests) {
      for (const id of this.readings.get(request.personId)?.ids ?? []) {
        const held = this.rows.get(id);
        if (held !== undefined) known[id] = held.row.version;
      }
    }
    return known;
  }

  /**
   * `{ key: size }` of the requests' keys whose size it knows: exactly, at most
   * `MAX_BLOCK_SIZE`, or as too common to search by (`MAX_BLOCK_SIZE + 1`, as a statement's
   * count says it).
   */
  sizesFor(requests: readonly SnapshotRequest[]): Record<string, number> {
    const known: Record<string, number> = {};
    for (const { lookup } of requests) {
      for (const key of [...lookup.blocks, ...(lookup.counted ?? [])]) {
        const n = this.size(key);
        if (n !== undefined) known[key] = n;
      }
    }
    return known;
  }

  /** A key's size as a statement would count it (up to `MAX_BLOCK_SIZE + 1`), if known. */
  private size(key: string): number | undefined {
    const n = this.exact.get(key);
    if (n !== undefined) return Math.min(n, MAX_BLOCK_SIZE + 1);
    return this.common.has(key) ? MAX_BLOCK_SIZE + 1 : undefined;
  }

  held(id: string): HeldContact | undefined {
    return this.rows.get(id);
  }

  remember(contact: HeldContact): void {
    const before = this.rows.get(contact.row.id);
    if (before !== undefined) this.unindex(before.row);
    this.rows.set(contact.row.id, contact);
    const created = contact.row.createdAt?.getTime() ?? Number.NEGATIVE_INFINITY;
    if (created > this.latest && created < NOT_YET_TIME.getTime()) this.latest = created;
    const keys = contact.row.blockKeys ?? [];
    if (keys.length === 0) this.keyless.add(contact.row.id);
    for (const key of keys) {
      const ids = this.holders.get(key);
      if (ids === undefined) this.holders.set(key, new Set([contact.row.id]));
      else ids.add(contact.row.id);
    }
  }

  private unindex(row: UserRow): void {
    this.keyless.delete(row.id);
    for (const key of row.blockKeys ?? []) this.holders.get(key)?.delete(row.id);
  }

  /** Sizes a statement counted (each up to `MAX_BLOCK_SIZE + 1`: above the limit, not exact). */
  counted(sizes: Readonly<Record<string, number | string>>): void {
    for (const [key, n] of Object.entries(sizes)) {
      if (Number(n) <= MAX_BLOCK_SIZE) {
        this.exact.set(key, Number(n));
        this.common.delete(key);
      } else {
        this.exact.delete(key);
        this.common.set(key, MAX_BLOCK_SIZE + 1);
      }
    }
  }

  /**
   * A person's reading, as read or derived (`delivery`: the one whose inbox entry it checked):
   * the basis of its next derivation.
   */
  read(
    request: SnapshotRequest,
    snapshot: Guarded<SyncSnapshot>,
    ids: readonly string[],
    delivery: EventRef | undefined,
  ): void {
    const bumpsAt = new Map<string, number>();
    for (const key of request.lockKeys) bumpsAt.set(key, this.bumps.get(key) ?? 0);
    this.readings.set(request.personId, {
      digest: request.digest,
      snapshot,
      delivery,
      ids,
      bumpsAt,
    });
  }

  /**
   * Whether the person could be read from memory (given its keys' sizes: `uncounted`): its last
   * reading was of the same record and not a replay, and — for a delivery (`request.event`, else
   * `event`) — of the same delivery, found not yet in the inbox. The reader's own waves write
   * nobody's inbox entry without writing its person (whose reading then goes); an entry another
   * writer claims meanwhile makes the wave's own claim refused, as after a read.
   */
  derivable(request: SnapshotRequest, event: EventRef | undefined): boolean {
    const last = this.readings.get(request.personId);
    // A replay's reading has no candidates: it is settled at once, never read again.
    if (
      last === undefined ||
      last.digest !== request.digest ||
      last.snapshot.link?.sourceHash === request.digest
    ) {
      return false;
    }
    const delivery = request.event ?? event;
    if (delivery === undefined) return last.delivery === undefined;
    return (
      !last.snapshot.seen &&
      last.delivery?.source === delivery.source &&
      last.delivery.id === delivery.id
    );
  }

  /** The request's keys whose size it does not know (`sizesFor`): a statement counts them. */
  uncounted(request: SnapshotRequest): string[] {
    const { blocks, counted = [] } = request.lookup;
    return [...blocks, ...counted].filter((key) => this.size(key) === undefined);
  }

  /**
   * The person's reading from memory (see the file's comment), given the sizes the read's
   * statement counted; undefined where the database must read it.
   */
  derive(
    propertyId: string,
    request: SnapshotRequest,
    counts: Readonly<Record<string, number | string>>,
  ): Guarded<SyncSnapshot> | undefined {
    const last = this.readings.get(request.personId);
    if (last === undefined) return undefined;
    const size = (key: string): number | undefined => {
      const n = counts[key] ?? this.size(key);
      return n === undefined ? undefined : Number(n);
    };
    const { blocks, counted = [], keys } = request.lookup;
    const commonKeys: string[] = [];
    const searched = new Set<string>();
    for (const key of blocks) {
      const n = size(key);
      if (n === undefined) return undefined;
      if (n > MAX_BLOCK_SIZE) commonKeys.push(key);
      else searched.add(key);
    }
    // A key too common to search by at the last read, no longer: its holders are not known here.
    if ((last.snapshot.commonKeys ?? []).some((key) => searched.has(key))) return undefined;
    const keyCounts: Record<string, number> = {};
    for (const key of counted) {
      const n = size(key);
      if (n === undefined) return undefined;
      keyCounts[key] = Math.min(n, MAX_BLOCK_SIZE + 1);
    }
    // Its last candidates, and the held contacts that now hold a key it searches by (written
    // since by the reader's waves, or read since for another person) or have no blocking keys.
    const considered = new Set(last.ids);
    for (const key of searched) for (const id of this.holders.get(key) ?? []) considered.add(id);
    for (const id of this.keyless) considered.add(id);
    const found = new Set<string>();
    for (const id of considered) {
      const held = this.rows.get(id);
      if (held === undefined) return undefined;
      if (foundBy(held.row, propertyId, searched, keys)) found.add(id);
    }
    // Its link's contact is a candidate whatever its keys, as the statement reads it. The link
    // is the one last read: only a write of this person moves it, and the reader's own drops
    // the reading, another writer's bumps its person key (the guard's).
    const { link } = last.snapshot;
    if (link !== null) {
      if (!this.rows.has(link.contactId)) return undefined;
      found.add(link.contactId);
    }
    const ids = [...found].sort(byId);
    const contactVersions = new Map<string, number>();
    const contacts: Contact[] = [];
    for (const id of ids) {
      const held = this.rows.get(id) as HeldContact;
      contactVersions.set(id, held.row.version);
      contacts.push(contactSeenBy(held, request.personId));
    }
    const keyVersions = new Map<string, number>();
    for (const key of request.lockKeys) {
      const version = last.snapshot.keyVersions.get(key);
      const bumped = (this.bumps.get(key) ?? 0) - (last.bumpsAt.get(key) ?? 0);
      if (bumped > 0) keyVersions.set(key, (version ?? 0) + bumped);
      else if (version !== undefined) keyVersions.set(key, version);
    }
    const snapshot: Guarded<SyncSnapshot> = {
      seen: false,
      keyVersions,
      contactVersions,
      link,
      contacts,
      commonKeys,
      keyCounts,
    };
    this.read(request, snapshot, ids, last.delivery);
    return snapshot;
  }

  /**
   * A wave the reader's caller wrote (`SnapshotReader.writeWave`) and what its statement
   * returned: the written contacts' rows replace the ones held, their keys' exact sizes move by
   * the keys they joined or left, the written links move between the held contacts, the wave's
   * keys count one bump each. A wave in which any write did not apply (another writer wrote what
   * it read) leaves the reader unable to tell what changed: it forgets everything.
   */
  wroteWave(
    writes: readonly WaveWrite[],
    outcomes: readonly GuardedResult<WaveApplied>[],
    what: WaveWritten,
  ): void {
    if (outcomes.some((outcome) => outcome.status !== "applied")) {
      this.forget();
      return;
    }
    this.apply(writes, what);
  }

  /** A wave's writes, all applied, as `what` says they wrote (see `wroteWave`). */
  private apply(writes: readonly WaveWrite[], what: WaveWritten): void {
    const isNew = new Map(writes.map(({ write }) => [write.contact.id, write.contact.isNew]));
    for (const row of what.contacts) {
      const before = this.rows.get(row.id);
      if (before === undefined && isNew.get(row.id) !== true) {
        this.forget();
        return;
      }
      const keysBefore = new Set(before?.row.blockKeys ?? []);
      const keysAfter = new Set(row.blockKeys ?? []);
      for (const key of keysAfter) if (!keysBefore.has(key)) this.move(key, 1);
      for (const key of keysBefore) if (!keysAfter.has(key)) this.move(key, -1);
      this.remember({ row, links: before?.links ?? [], seen: new Map() });
    }
    for (const { personId, contactId, resmanStatus } of what.links) {
      const last = this.readings.get(personId);
      const target = this.rows.get(contactId);
      if (last === undefined || target === undefined) {
        this.forget();
        return;
      }
      const previous = last.snapshot.link?.contactId;
      if (previous !== undefined && previous !== contactId) {
        const from = this.rows.get(previous);
        if (from !== undefined) this.relink(from, personId, null, false);
      }
      this.relink(
        target,
        personId,
        resmanStatus as PersonStatus | null,
        isNew.get(contactId) !== true,
      );
      this.readings.delete(personId);
    }
    for (const key of new Set(writes.flatMap(({ guard }) => guard.keys))) {
      this.bumps.set(key, (this.bumps.get(key) ?? 0) + 1);
    }
  }

  /**
   * A wave sent, taken as written before its statement returns (`what`: `writtenIfApplied`; an
   * updated contact keeps its creation time), so that persons can be read from memory
   * meanwhile. What it took is checked by `confirmed` when the statement returns.
   */
  sent(writes: readonly WaveWrite[], what: WaveWritten): SentWave {
    const taken: SentWave = {
      latest: this.latest,
      contacts: what.contacts.length,
      links: what.links,
    };
    const contacts = what.contacts.map((row) => {
      const before = this.rows.get(row.id);
      return before === undefined ? row : { ...row, createdAt: before.row.createdAt };
    });
    this.apply(writes, { contacts, links: what.links });
    return taken;
  }

  /**
   * The statement of a wave taken as written (`sent`) returned: if a write did not apply, or the
   * statement wrote other versions or links than taken, it forgets everything; otherwise the
   * written contacts get the times the statement gave them. True when readings taken meanwhile
   * hold: nothing forgotten, and the new contacts created after every contact held before (so a
   * tie between candidates resolved by creation time went the same way).
   */
  confirmed(
    outcomes: readonly GuardedResult<WaveApplied>[],
    written: WaveWritten,
    sent: SentWave,
  ): boolean {
    const taken = new Map(sent.links.map((link) => [link.personId, link]));
    const same =
      outcomes.every((outcome) => outcome.status === "applied") &&
      written.contacts.length === sent.contacts &&
      written.links.length === sent.links.length &&
      written.links.every((link) => {
        const as = taken.get(link.personId);
        return as?.contactId === link.contactId && as.resmanStatus === link.resmanStatus;
      }) &&
      written.contacts.every((row) => this.rows.get(row.id)?.row.version === row.version);
    if (!same) {
      this.forget();
      return false;
    }
    let ordered = true;
    for (const row of written.contacts) {
      const held = this.rows.get(row.id) as HeldContact;
      if (held.row.createdAt === NOT_YET_TIME) {
        ordered &&= (row.createdAt?.getTime() ?? Number.NEGATIVE_INFINITY) > sent.latest;
      }
      this.remember({
        row: { ...held.row, createdAt: row.createdAt, updatedAt: row.updatedAt },
        links: held.links,
        seen: new Map(),
      });
    }
    return ordered;
  }

  /** Its caller wrote something it cannot name (or a wave lost): nothing is remembered. */
  forget(): void {
    this.latest = Number.NEGATIVE_INFINITY;
    this.rows.clear();
    this.readings.clear();
    this.exact.clear();
    this.common.clear();
    this.bumps.clear();
    this.holders.clear();
    this.keyless.clear();
  }

  /**
   * The person's link now on `contact` with `status` (null: off it, or without a status);
   * `existing`: a wave writing to an existing contact removes its lead placeholders.
   */
  private relink(
    contact: HeldContact,
    personId: string,
    status: PersonStatus | null,
    existing: boolean,
  ): void {
    const links = contact.links.filter(
      ([linked]) => linked !== personId && !(existing && linked === null),
    );
    if (status !== null) links.push([personId, status]);
    contact.links = links;
  }

  /**
   * A contact joined (+1) or left (-1) the key: its exact size, if known, follows; a key too
   * common to search by stays so while at least `MAX_BLOCK_SIZE + 1` contacts surely hold it.
   */
  private move(key: string, by: number): void {
    const n = this.exact.get(key);
    if (n !== undefined) this.exact.set(key, n + by);
    const least = this.common.get(key);
    if (least === undefined) return;
    if (least + by > MAX_BLOCK_SIZE) this.common.set(key, least + by);
    else this.common.delete(key);
  }
}

/**
 * Whether the statement's lookups find the contact for a person searching `searched` with
 * these exact keys: live in the property, holding a searched key — or, without blocking keys,
 * the person's email, a phone or name and birth date.
 */
function foundBy(
  row: UserRow,
  propertyId: string,
  searched: ReadonlySet<string>,
  keys: SnapshotRequest["lookup"]["keys"],
): boolean {
  if (row.propertyId !== propertyId || row.mergedIntoId !== null || row.blockKeys === null) {
    return false;
  }
  if (row.blockKeys.some((key) => searched.has(key))) return true;
  if (row.blockKeys.length > 0) return false;
  return (
    (keys.email !== null && row.emailKey === keys.email) ||
    (row.phoneKeys ?? []).some((phone) => keys.phones.includes(phone)) ||
    (keys.nameDob !== null && row.nameDobKey === keys.nameDob)
  );
}
