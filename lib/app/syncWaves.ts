/**
 * Many people synced set-based — a file import's chunk, a queue batch's upserted people: the
 * decisions of the sync path (`planSync`, the very function every sync decides with), the
 * writes of many people in one statement. A queue delivery's row carries its event: its
 * reading checks the inbox (a redelivery is a duplicate and writes nothing) and its write
 * claims the inbox entry in the wave's statement, as a guarded write claims its one.
 *
 * The chunk's snapshots are read in one statement (on a server a large read may be two, sent at
 * once: `snapshotReadParts`). Rows that could see each other's writes — they touch a key their
 * writes guard, a candidate contact or a linked contact in common — must run in file order,
 * each reading what the earlier one wrote, as a one-at-a-time import would.
 * So the chunk runs in waves (`nextWave`): a wave holds every row left that touches nothing an
 * earlier row left touches. Rows of one wave cannot affect each other's snapshots, so they are
 * decided together in memory and written together, in one statement (`ContactStore.writeWave`):
 * the rows' identity keys are bumped and the contacts they update locked; a row whose keys are
 * each exactly one version past the one read, and whose contact is at the version read, was
 * decided on a reading nothing has changed since — the optimistic guard of the write protocol
 * (`writeProtocol.ts`), checked for the whole wave at once — and is written; the others write
 * nothing.
 *
 * A row whose reading changed (a webhook or worker wrote one of its keys or contacts meanwhile)
 * writes nothing and is read again in the next wave; after `MAX_WAVE_LOSSES` such losses it
 * takes the one-person path (`syncPerson`, with its locking fallback). The next wave's rows are
 * read again after the wave commits, through the chunk's one reader, which also writes the
 * waves (`SnapshotReader`: it remembers what it read and what its waves wrote, so a row read
 * again after the chunk's own waves mostly comes from memory, its write guarded as any other).
 * A wave that fails as a whole syncs its rows one by one, so each failure is reported on its
 * own row.
 *
 * While a wave's statement is in flight, the next wave is read and decided ahead
 * (`decideAhead`): the reader takes the wave as written, and the rows it can read from memory
 * as they will be after it are decided while Postgres writes. They stand only if the wave
 * applied every write as the reader took it (`SnapshotReader.aheadHeld`), and a row uses its
 * decision only if, in its wave, it is decided on that very reading — so the waves, readings
 * and decisions are the ones made without reading ahead, made earlier.
 *
 * (Over 400 lines: one loop and the helpers that share its rows' state — their order, their
 * decisions ahead and their writes; apart, each would take that state as parameters.)
 */

import type { OutboundEvent } from "../domain/events.js";
import { commonLockKeys, guardedLockKeys } from "../domain/lockKeys.js";
import type {
  Guarded,
  GuardedResult,
  PropertyContext,
  SnapshotReader,
  SyncSnapshot,
  WaveApplied,
  WaveOptions,
  WaveWrite,
} from "./ports.js";
import {
  duplicateResult,
  type PreparedSync,
  planSync,
  type SyncDependencies,
  type SyncPlan,
  type SyncResult,
  snapshotRequestOf,
  syncPerson,
} from "./syncPerson.js";
import { retried } from "./writeProtocol.js";

/** A row of a chunk: the person, prepared; a queue delivery's event (its inbox entry). */
export interface WaveRow {
  person: Parameters<typeof syncPerson>[1]["person"];
  prepared: PreparedSync;
  event?: { source: string; id: string } | undefined;
}

/**
 * How a row ended: its sync result, or the error that stopped it. `event`: the outbox row a
 * wave wrote for it, claimed for the caller to publish (`WaveOptions.outboxClaimMs`); `alone`:
 * it took the one-person path, whose outbox row waits for a drain.
 */
export type WaveOutcome =
  | { result: SyncResult; event?: OutboundEvent | undefined; alone?: true }
  | { error: unknown; alone?: true };

/** Lost waves before a row takes the one-person path. */
export const MAX_WAVE_LOSSES = 2;

/** The keys a row's write guards, as its reading saw them. */
function guardedKeys(row: WaveRow, snapshot: Guarded<SyncSnapshot>): string[] {
  return guardedLockKeys(row.prepared.locks, snapshot.commonKeys);
}

/**
 * What a row's decision depends on and its write changes: the keys its write guards, its
 * candidates and its linked contact. Two rows that touch nothing in common cannot see each
 * other's writes.
 */
function touchKeys(row: WaveRow, snapshot: Guarded<SyncSnapshot>): string[] {
  const keys = guardedKeys(row, snapshot);
  for (const contact of snapshot.contacts) keys.push(`contact:${contact.id}`);
  if (snapshot.link !== null) keys.push(`contact:${snapshot.link.contactId}`);
  return keys;
}

/** A row's place in the waves. */
interface RowState<R> {
  row: R;
  /** Its reading; undefined until (again) read. */
  reading: Guarded<SyncSnapshot> | undefined;
  /** What it touches (`touchKeys`), over every reading it had. */
  touches: Set<string>;
  /** Waves it lost to a writer outside the import. */
  losses: number;
}

/** A row decided on its reading, with the keys its write guards. */
interface Planned<R> {
  state: RowState<R>;
  reading: Guarded<SyncSnapshot>;
  keys: string[];
  plan: Extract<SyncPlan, { announce: unknown }>;
}

/**
 * The next wave: every row not yet done that touches nothing an earlier row not yet done
 * touches (so each row runs after every earlier row it could see, as in file order, and rows
 * that cannot see each other run together), in file order.
 */
function nextWave<R>(pending: readonly RowState<R>[]): RowState<R>[] {
  const blocked = new Set<string>();
  const wave: RowState<R>[] = [];
  for (const state of pending) {
    let free = true;
    for (const key of state.touches) {
      if (blocked.has(key)) free = false;
      blocked.add(key);
    }
    if (free) wave.push(state);
  }
  return wave;
}

/** What a run of waves read: for an import to size its next chunk by. */
export interface WavesRead {
  /** Distinct candidate contacts of the rows' first reading (0 when that read failed). */
  contacts: number;
}

/**
 * Syncs `rows` (one chunk, in file order) into `property`, calling `settle` once per row; a row
 * is settled after every earlier row that could affect its reading.
 */
export async function syncInWaves<R extends WaveRow>(
  deps: SyncDependencies,
  property: PropertyContext,
  rows: readonly R[],
  settle: (row: R, outcome: WaveOutcome) => void,
  options: WaveOptions = {},
): Promise<WavesRead> {
  const propertyId = property.id;
  // The chunk's rows are read again after waves that wrote what they read: one reader (and
  // writer) for the chunk, so that what the chunk itself wrote is not read back.
  const reader = deps.store.snapshotReader(propertyId);
  const readAll = async (states: readonly RowState<R>[]) => {
    const snapshots = await reader.read(
      states.map((state) => snapshotRequestOf(state.row.prepared, state.row.event)),
    );
    states.forEach((state, i) => {
      const reading = snapshots[i];
      state.reading = reading;
      if (reading !== undefined)
        for (const key of touchKeys(state.row, reading)) state.touches.add(key);
    });
  };
  /** The one-person path: its own reads, its own guarded write or locking transaction. */
  const one = async (row: R) => {
    // What it writes is not named to the reader: it forgets what it remembered.
    reader.forget();
    try {
      settle(row, {
        result: await syncPerson(deps, {
          property,
          person: row.person,
          prepared: row.prepared,
          event: row.event,
        }),
        alone: true,
      });
    } catch (error) {
      settle(row, { error, alone: true });
    }
  };

  let pending: RowState<R>[] = rows.map((row) => ({
    row,
    reading: undefined,
    touches: new Set(),
    losses: 0,
  }));
  try {
    await readAll(pending);
  } catch {
    // The chunk's read failed: each row reads (and reports a failure) for itself.
    for (const row of rows) await one(row);
    return { contacts: 0 };
  }
  const candidates = new Set<string>();
  for (const state of pending) {
    for (const contact of state.reading?.contacts ?? []) candidates.add(contact.id);
  }
  /** Rows by what they touch, in file order: who must read again after a write. */
  const touching = new Map<string, RowState<R>[]>();
  for (const state of pending) {
    for (const key of state.touches) {
      const list = touching.get(key);
      if (list === undefined) touching.set(key, [state]);
      else list.push(state);
    }
  }
  const finished = new Set<RowState<R>>();
  /**
   * A row is done. If it wrote (or may have: a failure), every later row touching what it
   * touched reads again before deciding; otherwise their readings still hold.
   */
  const done = (state: RowState<R>, wrote = true) => {
    finished.add(state);
    // Its reading (candidates and all) is not needed any more: memory stays with the rows left.
    state.reading = undefined;
    if (!wrote) return;
    for (const other of staleAfter([state], touching)) {
      if (!finished.has(other)) other.reading = undefined;
    }
  };

  /** A delivery already processed (by a redelivery read or claimed first): nothing written. */
  const duplicate = (state: RowState<R>) => {
    settle(state.row, { result: duplicateResult(state.row.prepared) });
    done(state, false);
  };

  /**
   * Readings and decisions taken ahead, while the previous wave's statement was in flight
   * (`decideAhead`), that stand: a row of this wave read again or decided on the same reading
   * takes them instead.
   */
  let ahead = new Map<RowState<R>, Ahead>();
  /** The wave they were taken for: the next one, as every write of the last wave applied. */
  let waveAhead: RowState<R>[] | undefined;

  while (pending.length > 0) {
    const wave = waveAhead ?? nextWave(pending);
    waveAhead = undefined;
    for (const state of wave) {
      const early = ahead.get(state);
      if (early === undefined || state.reading !== undefined) continue;
      state.reading = early.reading;
      for (const key of touchKeys(state.row, early.reading)) state.touches.add(key);
    }
    const decidedAhead = ahead;
    ahead = new Map();

    // Rows whose reading an earlier write made stale read again, together.
    const unread = wave.filter((state) => state.reading === undefined);
    if (unread.length > 0) {
      try {
        await readAll(unread);
      } catch {
        for (const state of unread) {
          await one(state.row);
          done(state);
        }
        pending = pending.filter((state) => !finished.has(state));
        continue;
      }
    }

    // Decide in file order. A reading that now overlaps an earlier row of the wave (something
    // outside the import wrote in between) waits for the next wave, read again.
    const taken = new Set<string>();
    const planned: Planned<R>[] = [];
    for (const state of wave) {
      const reading = state.reading;
      if (reading === undefined) continue;
      if (reading.seen) {
        // A redelivery of an event already processed: nothing to decide or write.
        duplicate(state);
        continue;
      }
      const keys = guardedKeys(state.row, reading);
      const touches = touchKeys(state.row, reading);
      if (touches.some((key) => taken.has(key))) {
        state.reading = undefined;
        continue;
      }
      for (const key of touches) taken.add(key);
      const early = decidedAhead.get(state);
      const decision =
        early !== undefined && early.reading === reading
          ? early.decision
          : decide(deps, property, state.row, reading);
      if ("error" in decision) {
        settle(state.row, { error: decision.error });
        done(state, false);
        continue;
      }
      const plan = decision.plan;
      if (plan.write === null) {
        settle(state.row, { result: plan.result });
        done(state, false);
      } else {
        planned.push({ state, reading, keys, plan });
      }
    }

    if (planned.length > 0) {
      let outcome: GuardedResult<WaveApplied>[] | null = null;
      const writes = planned.map(waveWriteOf);
      // The reader takes the wave as written while its statement is in flight: the next
      // wave's rows it can read from memory are read and decided meanwhile.
      const sending = reader.writeWave(writes, options);
      // Awaited below (through `retried`); a failure meanwhile is not left unhandled.
      sending.catch(() => {});
      // Rows left to decide ahead, while Postgres writes: the driver sends the statement once
      // the event loop turns (a pool's connection is handed over asynchronously), so this
      // process yields first. A batch written in one wave has none, and does not yield.
      const sent = new Set(planned.map(({ state }) => state));
      const left = pending.filter((state) => !finished.has(state) && !sent.has(state));
      let next: WaveAhead<R> | undefined;
      if (left.length > 0) {
        await new Promise((resolve) => setImmediate(resolve));
        try {
          next = decideAhead(deps, property, reader, left, sent, touching);
        } catch {
          // Nothing read or decided ahead: the next wave reads and decides as it comes.
        }
      }
      let first = true;
      try {
        outcome = await retried(() => {
          if (!first) return reader.writeWave(writes, options);
          first = false;
          return sending;
        });
        if (next !== undefined && reader.aheadHeld()) {
          ahead = next.ahead;
          waveAhead = next.wave;
        }
      } catch {
        // The wave failed as a whole: each row syncs on its own (and reports its failure).
        for (const { state } of planned) {
          await one(state.row);
          done(state);
        }
      }
      for (const [i, { state, plan }] of outcome === null ? [] : planned.entries()) {
        const written = outcome?.[i];
        if (written?.status === "duplicate") {
          // Another delivery of its event was processed first: nothing was written for it.
          duplicate(state);
          continue;
        }
        if (written?.status === "applied") {
          settle(state.row, { result: plan.result(written), event: written.event });
          done(state);
          continue;
        }
        // Someone outside the import wrote what this row read: read again next wave.
        state.reading = undefined;
        state.losses += 1;
        if (state.losses >= MAX_WAVE_LOSSES) {
          await one(state.row);
          done(state);
        }
      }
    }
    pending = pending.filter((state) => !finished.has(state));
  }
  return { contacts: candidates.size };
}

/** The rows whose reading a write of `written` makes stale: those touching what they touch. */
function staleAfter<R>(
  written: Iterable<RowState<R>>,
  touching: ReadonlyMap<string, readonly RowState<R>[]>,
): Set<RowState<R>> {
  const stale = new Set<RowState<R>>();
  for (const state of written) {
    for (const key of state.touches) for (const other of touching.get(key) ?? []) stale.add(other);
  }
  return stale;
}

/** A row's decision on a reading: its plan, or the error that stopped it. */
type Decision = { plan: SyncPlan } | { error: unknown };

function decide(
  deps: SyncDependencies,
  property: PropertyContext,
  row: WaveRow,
  reading: Guarded<SyncSnapshot>,
): Decision {
  try {
    return { plan: planSync(deps, property, row.prepared, reading) };
  } catch (error) {
    return { error };
  }
}

/** A reading taken, and the row decided on it, ahead of its wave. */
interface Ahead {
  reading: Guarded<SyncSnapshot>;
  decision: Decision;
}

/** The next wave, and its rows' readings and decisions, taken ahead (`decideAhead`). */
interface WaveAhead<R> {
  wave: RowState<R>[];
  ahead: Map<RowState<R>, Ahead>;
}

/**
 * While a wave's statement is in flight: the next wave of the rows `left` as it will be if
 * every write of the wave (`sent`'s rows) applies, each of its rows read — again from memory
 * (`readAhead`) where the wave's writes make its reading stale, and none where memory cannot
 * tell — and decided.
 * The caller uses them only if the reader says they held (`aheadHeld`), and each only if the
 * row is decided on that very reading in its wave; otherwise they are dropped.
 */
function decideAhead<R extends WaveRow>(
  deps: SyncDependencies,
  property: PropertyContext,
  reader: SnapshotReader,
  left: readonly RowState<R>[],
  sent: ReadonlySet<RowState<R>>,
  touching: ReadonlyMap<string, readonly RowState<R>[]>,
): WaveAhead<R> {
  // Whose reading the wave's writes make stale, as `done` will mark them.
  const stale = staleAfter(sent, touching);
  const wave = nextWave(left);
  const again = wave.filter((state) => state.reading === undefined || stale.has(state));
  const read = reader.readAhead(
    again.map((state) => snapshotRequestOf(state.row.prepared, state.row.event)),
  );
  const readings = new Map<RowState<R>, Guarded<SyncSnapshot> | undefined>(
    again.map((state, i) => [state, read[i]]),
  );
  const ahead = new Map<RowState<R>, Ahead>();
  for (const state of wave) {
    const reading = readings.has(state) ? readings.get(state) : state.reading;
    if (reading === undefined || reading.seen) continue;
    ahead.set(state, { reading, decision: decide(deps, property, state.row, reading) });
  }
  return { wave, ahead };
}

/** A planned row as the wave's statement takes it: its write, guarded by its reading. */
function waveWriteOf<R extends WaveRow>({ state, reading, keys, plan }: Planned<R>): WaveWrite {
  const { contact } = plan.write;
  return {
    write: plan.write,
    announce: plan.announce,
    guard: {
      keys,
      keyVersions: reading.keyVersions,
      unchanged: commonLockKeys(state.row.prepared.locks, reading.commonKeys),
      // An existing contact was read with its version (it is one of the reading's contacts).
      contactVersion: contact.isNew ? null : (reading.contactVersions.get(contact.id) ?? -1),
      event: state.row.event,
    },
  };
}
