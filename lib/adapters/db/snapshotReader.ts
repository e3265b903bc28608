/**
 * A run's snapshot reader on Postgres (`ContactStore.snapshotReader`: an import chunk's, a queue
 * batch's): its reads and waves through `RememberedReadings`, and its readings ahead — while a
 * wave's statement is in flight the reader takes the wave as written, so persons it can read
 * from memory are read (and decided by the caller) as they will be after the wave, while
 * Postgres writes it; `aheadHeld` says afterwards whether those readings stand.
 */
import type { Guarded, SnapshotReader, SyncSnapshot } from "../../app/ports.js";
import type { Database } from "./client.js";
import type { CommonKeys } from "./commonKeys.js";
import { toStoreError } from "./errors.js";
import { NOT_YET_TIME, RememberedReadings } from "./rememberedReadings.js";
import { readSnapshotSet } from "./snapshotReads.js";
import { contactRowsOf, writeWaveReturning, writtenIfApplied } from "./waveWrites.js";

/**
 * `readParts`: statements a large read may be split into (`readSnapshotSet`); `common`: the
 * store's keys counted as too common in the property (`commonKeys.ts`), shared by its readers.
 */
export function snapshotReaderOn(
  db: Database,
  propertyId: string,
  readParts = 1,
  common?: CommonKeys,
): SnapshotReader {
  const remembered = new RememberedReadings();
  /** Waves sent so far; the one in flight (0: none). */
  let waves = 0;
  let inFlight = 0;
  /** The wave the last readings ahead were taken under, while they may still hold. */
  let aheadOf: number | null = null;
  const forget = () => {
    remembered.forget();
    aheadOf = null;
  };
  return {
    // readSnapshotSet answers an empty request list without a statement.
    read: (requests) =>
      readSnapshotSet(db, propertyId, requests, undefined, remembered, readParts, common),
    writeWave: async (writes, options) => {
      const wave = ++waves;
      const rows = contactRowsOf(propertyId, writes);
      // Taken as written at once (before the first await), for readings ahead.
      const sent = remembered.sent(writes, writtenIfApplied(writes, rows, NOT_YET_TIME));
      inFlight = wave;
      try {
        const { outcomes, written } = await writeWaveReturning(
          db,
          propertyId,
          writes,
          options,
          rows,
        );
        // Readings ahead stand only if taken under this wave and it wrote what was taken.
        if (!remembered.confirmed(outcomes, written, sent) || aheadOf !== wave) aheadOf = null;
        return outcomes;
      } catch (error) {
        forget();
        throw toStoreError(error, "sync wave");
      } finally {
        if (inFlight === wave) inFlight = 0;
      }
    },
    readAhead: (requests) => {
      if (inFlight === 0) return requests.map(() => undefined);
      aheadOf = inFlight;
      return requests.map((request): Guarded<SyncSnapshot> | undefined =>
        remembered.derivable(request, undefined) && remembered.uncounted(request).length === 0
          ? remembered.derive(propertyId, request, {})
          : undefined,
      );
    },
    aheadHeld: () => aheadOf !== null && aheadOf !== inFlight,
    forget,
  };
}
