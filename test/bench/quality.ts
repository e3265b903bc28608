/**
 * Match-quality benchmark (`npm run bench:quality`, issue 4 item 9): labelled person records
 * imported through the real path (`openImportFile` → `importPeople` → `syncPerson` → the
 * Drizzle stores), each data set into a fresh property of a fresh database; the resulting links
 * (external id → contact) are scored against the labels.
 *
 * Data sets:
 * - febrl1, febrl2, febrl3: the FEBRL deduplication sets (`<data>/febrl/dataset{1,2,3}.csv`),
 *   mapped onto the import CSV, `soc_sec_id` dropped (contacts carry no national id). No email,
 *   no phone: only names, address and birth date.
 * - synthetic: 5,000 rows over some 2,000 people from `syntheticContacts.ts` (emails, phones
 *   in many formats, typos, nicknames, swapped names, placeholders, households sharing a phone
 *   or an email), imported into a property that has an office phone, as a real one does.
 * - messy: 3,120 rows over 1,000 people from `messyContacts.ts` (issue 9 item 4), guest-card
 *   noise at its worst: 1–8 records a person, every field corrupted independently (missing,
 *   typos, swapped names, nicknames, email and birth-date slips, city typos), households
 *   (shared phone or email, one surname; twins; father and son of one name) and namesakes
 *   (unrelated people of one full name); imported into a property with an office phone.
 *
 * Per data set it prints pairwise precision, recall and F1 (`qualityMetrics.ts`), the review
 * rate (links left `pending` / all links), household false merges (synthetic, messy), namesake
 * false merges (messy: different people of one full name in one contact), counts and
 * seconds, with the issues' targets beside them, and how the sync path fared (optimistic reads,
 * lost rounds, locking fallbacks, candidates per read, time in the matcher: a blocking key too
 * many contacts share shows up there first); then the same as one JSON line. It asserts
 * nothing: it exits 0 unless something breaks (a data file that does not match its published
 * true-pair count is such a break).
 *
 *   BENCH_QUALITY_DRIVER=pglite    embedded PGlite in memory instead of Postgres (default pg:
 *                                  a scratch database on TEST_DATABASE_URL's server, see
 *                                  test/support/postgres.ts)
 *   BENCH_QUALITY_DRIVER=memory    the in-memory store of `memoryStore.ts`, one row at a time:
 *                                  a tuning aid for matcher weights (seconds, not minutes);
 *                                  the figures of record come from pg
 *   BENCH_QUALITY_SETS=febrl3,synthetic   which data sets (default all five)
 *   BENCH_DATA_DIR=/path           the benchmark data (default ../shared/benchdata from the
 *                                  repository root)
 *
 * Rows are synced as `contact-sync import` syncs them: set-based, in waves that decide as the
 * per-person path in file order does, so the figures are the same run after run and on every
 * driver.
 *
 * Over 400 lines as one thing: one benchmark script — data-set preparation, the import per set
 * and the report — each part only meaningful with the others.
 * (Over 400 lines as one thing: the data sets are imported and scored by the one harness.)
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import Table from "cli-table3";
import { parse } from "csv-parse/sync";
import { eq } from "drizzle-orm";
import { user } from "../../lib/adapters/db/schema.js";
import { storesOn } from "../../lib/adapters/db/stores.js";
import { openImportFile } from "../../lib/adapters/files/importFile.js";
import { type ImportRecord, type ImportSummary, importPeople } from "../../lib/app/importPeople.js";
import {
  type ContactStore,
  type LinkListing,
  type PropertyStore,
  systemClock,
} from "../../lib/app/ports.js";
import { type Matcher, scoredMatcher } from "../../lib/domain/matching.js";
import type { MatchingCriteria } from "../../lib/domain/rules.js";
import { openTestDatabase } from "../support/drivers.js";
import { writeImportCsv } from "./importCsv.js";
import { createMemoryStores } from "./memoryStore.js";
import { generateMessyContacts } from "./messyContacts.js";
import {
  type HouseholdRecordOutcome,
  householdFalseMerges,
  type NamesakeRecordOutcome,
  namesakeFalseMerges,
  type PairwiseQuality,
  pairwiseQuality,
} from "./qualityMetrics.js";
import { generateSyntheticContacts } from "./syntheticContacts.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The ResMan property every data set is imported into (each in a database of its own). */
const BENCH_PROPERTY = "5d0c7b3e-91a4-4f26-b8e3-2a6f40c1d957";
/** Fixed so that every run imports the same synthetic people. */
const SYNTHETIC_SEED = 20_250_604;
const SYNTHETIC_ROWS = 5_000;
/** The synthetic property's office phone (555-0100 is kept for offices by the generator). */
const SYNTHETIC_OFFICE_PHONE = "5125550100";
/** Fixed so that every run imports the same messy people; the messy property's office phone. */
const MESSY_SEED = 20_261_202;
const MESSY_OFFICE_PHONE = "7205550100";
const PROGRESS_MS = 5_000;

/** A goal of issue 4 or 9, printed beside the figures and never asserted. */
interface Target {
  text: string;
  met(result: Omit<SetQuality, "target">): boolean;
}

/** The FEBRL files and their published true-pair counts (benchdata/README.md). */
const FEBRL = [
  { name: "febrl1", file: "dataset1.csv", pairs: "febrl1_true_pairs.csv", truePairs: 500 },
  { name: "febrl2", file: "dataset2.csv", pairs: "febrl2_true_pairs.csv", truePairs: 1_934 },
  { name: "febrl3", file: "dataset3.csv", pairs: "febrl3_true_pairs.csv", truePairs: 6_538 },
] as const;

const TARGETS: Readonly<Record<string, Target>> = {
  // Splink reports F1 0.965 on febrl3.
  febrl3: { text: "F1 ≥ 0.97", met: (r) => r.f1 >= 0.97 },
  synthetic: {
    text: "precision ≥ 0.99, 0 household false merges",
    met: (r) => r.precision >= 0.99 && r.householdFalseMerges === 0,
  },
  // Issue 9 item 4: what the tuned matcher must reach on the worst noise.
  messy: {
    text: "F1 ≥ 0.90, precision ≥ 0.99, 0 household false merges, review ≤ 3 %",
    met: (r) =>
      r.f1 >= 0.9 && r.precision >= 0.99 && r.householdFalseMerges === 0 && r.reviewRate <= 0.03,
  },
};

const SET_NAMES = [...FEBRL.map((f) => f.name), "synthetic", "messy"];

/** `memory` is a tuning aid (`memoryStore.ts`): its figures are never the ones of record. */
type QualityDriver = "pg" | "pglite" | "memory";

/** The truth about one record of a data set. */
interface RecordLabel {
  person: string;
  /** Null where the data set knows no households (FEBRL). */
  household: string | null;
  /** Unrelated people given one full name share it (messy); null for everyone else. */
  namesake: string | null;
}

/** A data set written as an import CSV, with its labels by external id. */
interface PreparedSet {
  name: string;
  file: string;
  labels: ReadonlyMap<string, RecordLabel>;
  /** The office phone of the property it is imported into. */
  officePhone: string | null;
}

/** What one data set measured. */
interface SetQuality extends PairwiseQuality {
  name: string;
  contacts: number;
  links: number;
  pending: number;
  reviewRate: number;
  rejected: number;
  failed: number;
  /** Null for a data set without households. */
  householdFalseMerges: number | null;
  /** Null for a data set without namesakes. */
  namesakeFalseMerges: number | null;
  seconds: number;
  /** How the sync path's concurrency protocol fared (see `countingStore`). */
  sync: SyncCounts;
  /** Import warnings, e.g. birth dates dropped as invalid: `field: reason` → rows. */
  warnings: Record<string, number>;
  /** Why rows were rejected (of the first `MAX_LISTED`): reason → rows. */
  rejections: Record<string, number>;
  target: { text: string; met: boolean } | null;
}

const number = new Intl.NumberFormat("en-US");

/**
 * What the sync path did under the import's concurrency: snapshot reads (a chunk's prefetch
 * counts one per row), guarded writes that lost a race (a key or contact changed since the
 * read: a concurrent row, or an earlier row of the same prefetched chunk), locking
 * transactions (the fallback after repeated lost rounds), and the candidate contacts each read
 * returned.
 */
interface SyncCounts {
  reads: number;
  lostRounds: number;
  lockingFallbacks: number;
  candidatesMean: number;
  candidatesMax: number;
  /** Seconds spent in the matcher (scoring candidates), summed over all rounds. */
  matcherSeconds: number;
}

/** `store` with every optimistic read, lost write and locking transaction counted. */
function countingStore(store: ContactStore): {
  store: ContactStore;
  matcher: (criteria: MatchingCriteria) => Matcher;
  counts: () => SyncCounts;
} {
  let matcherMs = 0;
  let reads = 0;
  let lostRounds = 0;
  let lockingFallbacks = 0;
  let candidates = 0;
  let candidatesMax = 0;
  const tally = <S extends { contacts: readonly unknown[] }>(snapshots: S[]): S[] => {
    for (const snapshot of snapshots) {
      reads += 1;
      candidates += snapshot.contacts.length;
      candidatesMax = Math.max(candidatesMax, snapshot.contacts.length);
    }
    return snapshots;
  };
  const counted: ContactStore = {
    findLink: (...args) => store.findLink(...args),
    markFailed: (...args) => store.markFailed(...args),
    readEnrichment: (...args) => store.readEnrichment(...args),
    writeEnrichmentGuarded: (...args) => store.writeEnrichmentGuarded(...args),
    readSnapshot: async (...args) => {
      const snapshot = await store.readSnapshot(...args);
      tally([snapshot]);
      return snapshot;
    },
    readSnapshots: async (...args) => tally(await store.readSnapshots(...args)),
    snapshotReader: (propertyId) => {
      const reader = store.snapshotReader(propertyId);
      return {
        read: async (requests) => tally(await reader.read(requests)),
        writeWave: (writes, options) => reader.writeWave(writes, options),
        forget: () => reader.forget(),
        readAhead: (requests) => reader.readAhead(requests),
        aheadHeld: () => reader.aheadHeld(),
      };
    },
    writeGuarded: async (...args) => {
      const result = await store.writeGuarded(...args);
      if (result.status === "conflict") lostRounds += 1;
      return result;
    },
    transaction: (work) => {
      lockingFallbacks += 1;
      return store.transaction(work);
    },
    writeWave: (...args) => store.writeWave(...args),
  };
  // The sync path's own matcher, timed.
  const matcher = (criteria: MatchingCriteria): Matcher => {
    const match = scoredMatcher(criteria);
    return (person, candidates) => {
      const started = performance.now();
      try {
        return match(person, candidates);
      } finally {
        matcherMs += performance.now() - started;
      }
    };
  };
  return {
    store: counted,
    matcher,
    counts: () => ({
      reads,
      lostRounds,
      lockingFallbacks,
      candidatesMean: reads === 0 ? 0 : candidates / reads,
      candidatesMax,
      matcherSeconds: matcherMs / 1000,
    }),
  };
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

// --- configuration -------------------------------------------------------------------------

function driverFromEnv(): QualityDriver {
  const raw = process.env.BENCH_QUALITY_DRIVER?.trim() ?? "";
  if (raw === "") return "pg";
  if (raw === "pg" || raw === "pglite" || raw === "memory") return raw;
  throw new Error(`BENCH_QUALITY_DRIVER: unknown driver "${raw}" (pg, pglite, memory)`);
}

/** How the driver is named in the report: the memory store always as the tuning aid it is. */
function driverLabel(driver: QualityDriver): string {
  return driver === "memory" ? "memory (tuning aid; figures of record come from pg)" : driver;
}

function setsFromEnv(): string[] {
  const raw = process.env.BENCH_QUALITY_SETS?.trim() ?? "";
  if (raw === "") return SET_NAMES;
  return raw.split(",").map((value) => {
    const name = value.trim();
    if (!SET_NAMES.includes(name)) {
      throw new Error(`BENCH_QUALITY_SETS: unknown data set "${name}" (${SET_NAMES.join(", ")})`);
    }
    return name;
  });
}

function dataDirFromEnv(): string {
  const raw = process.env.BENCH_DATA_DIR?.trim() ?? "";
  const dir = raw === "" ? resolve(REPO_ROOT, "../shared/benchdata") : resolve(raw);
  if (!existsSync(join(dir, "febrl"))) {
    throw new Error(
      `no benchmark data at ${dir} (expected a febrl/ folder): set BENCH_DATA_DIR to the benchdata folder`,
    );
  }
  return dir;
}

// --- data sets -----------------------------------------------------------------------------

const FEBRL_ID = /^rec-(\d+)-(?:org|dup-\d+)$/;

function febrlPerson(recId: string): string {
  const match = FEBRL_ID.exec(recId);
  if (match === null) throw new Error(`FEBRL: unexpected rec_id "${recId}"`);
  return `febrl-${match[1]}`;
}

/**
 * Checks the labels against the published true pairs: same count as the README and the pair
 * file, and every listed pair is distinct and shares a label. Equal counts and every listed
 * pair true mean the two sets of pairs are the same: the benchmark scores against the
 * published truth.
 */
async function checkFebrlTruth(
  spec: (typeof FEBRL)[number],
  pairsPath: string,
  labels: ReadonlyMap<string, RecordLabel>,
): Promise<void> {
  // The true pairs of the labels, counted by the benchmark's own metric code.
  const fromLabels = pairwiseQuality(
    [...labels].map(([recId, { person }]) => ({ truth: person, predicted: recId })),
  ).truePairs;
  const listed = parse(await readFile(pairsPath, "utf8"), {
    columns: true,
    trim: true,
    skip_empty_lines: true,
  }) as Record<string, string>[];
  const problems: string[] = [];
  if (fromLabels !== spec.truePairs) {
    problems.push(`the labels give ${fromLabels} true pairs, the README says ${spec.truePairs}`);
  }
  if (listed.length !== spec.truePairs) {
    problems.push(`${spec.pairs} lists ${listed.length} pairs, the README says ${spec.truePairs}`);
  }
  const distinct = new Set(
    listed.map((pair) => JSON.stringify([pair.rec_id_1, pair.rec_id_2].sort())),
  );
  if (distinct.size !== listed.length) problems.push(`${spec.pairs} lists a pair twice`);
  for (const pair of listed) {
    const a = labels.get(pair.rec_id_1 ?? "");
    const b = labels.get(pair.rec_id_2 ?? "");
    if (a === undefined || b === undefined || a.person !== b.person) {
      problems.push(`${spec.pairs}: ${pair.rec_id_1} and ${pair.rec_id_2} do not share a label`);
      break;
    }
  }
  if (problems.length > 0) {
    throw new Error(`FEBRL ${spec.name}: the truth does not check out: ${problems.join("; ")}`);
  }
}

/** A FEBRL file as an import CSV; throws when its labels disagree with the published pairs. */
async function prepareFebrl(
  spec: (typeof FEBRL)[number],
  dataDir: string,
  folder: string,
): Promise<PreparedSet> {
  // The header has a space after each comma: `trim` takes it off names and values alike.
  const records = parse(await readFile(join(dataDir, "febrl", spec.file), "utf8"), {
    columns: true,
    trim: true,
    skip_empty_lines: true,
  }) as Record<string, string>[];
  const labels = new Map<string, RecordLabel>();
  const rows = records.map((record) => {
    const field = (name: string) => {
      const value = record[name];
      if (value === undefined) throw new Error(`FEBRL ${spec.file}: no column ${name}`);
      return value;
    };
    const recId = field("rec_id");
    if (labels.has(recId)) throw new Error(`FEBRL ${spec.file}: rec_id ${recId} repeats`);
    labels.set(recId, { person: febrlPerson(recId), household: null, namesake: null });
    // `soc_sec_id` is left out: contacts carry no national id. No email, phone or status.
    return {
      external_id: recId,
      first_name: field("given_name"),
      last_name: field("surname"),
      // YYYYMMDD, sometimes impossible: the import drops those with a warning, as it would
      // for a real file.
      date_of_birth: field("date_of_birth"),
      address_line1: [field("street_number"), field("address_1")]
        .filter((part) => part !== "")
        .join(" "),
      address_line2: field("address_2"),
      city: field("suburb"),
      state: field("state"),
      postal_code: field("postcode"),
    };
  });
  await checkFebrlTruth(spec, join(dataDir, "febrl", spec.pairs), labels);
  const file = join(folder, `${spec.name}.csv`);
  await writeImportCsv(file, rows);
  return { name: spec.name, file, labels, officePhone: null };
}

async function prepareSynthetic(folder: string): Promise<PreparedSet> {
  const labels = new Map<string, RecordLabel>();
  const rows = [];
  for (const labelled of generateSyntheticContacts({
    seed: SYNTHETIC_SEED,
    rows: SYNTHETIC_ROWS,
    officePhone: SYNTHETIC_OFFICE_PHONE,
  })) {
    const id = labelled.row.external_id;
    // The set is generated without rows the import rejects, so every row has its own id.
    if (id === "" || labels.has(id)) throw new Error(`synthetic: external id "${id}" not unique`);
    labels.set(id, { person: labelled.personId, household: labelled.householdId, namesake: null });
    rows.push(labelled.row);
  }
  const file = join(folder, "synthetic.csv");
  await writeImportCsv(file, rows);
  return { name: "synthetic", file, labels, officePhone: SYNTHETIC_OFFICE_PHONE };
}

async function prepareMessy(folder: string): Promise<PreparedSet> {
  const labels = new Map<string, RecordLabel>();
  const rows = [];
  for (const { row, person } of generateMessyContacts({
    seed: MESSY_SEED,
    officePhone: MESSY_OFFICE_PHONE,
  })) {
    const id = row.external_id;
    if (id === "" || labels.has(id)) throw new Error(`messy: external id "${id}" not unique`);
    labels.set(id, {
      person: person.personId,
      household: person.householdId,
      namesake: person.namesakeGroup,
    });
    rows.push(row);
  }
  const file = join(folder, "messy.csv");
  await writeImportCsv(file, rows);
  return { name: "messy", file, labels, officePhone: MESSY_OFFICE_PHONE };
}

// --- one data set --------------------------------------------------------------------------

/**
 * Each contact of the property mapped to the live contact it ended in. A link is read as it
 * stands; should a later merge leave links on the contact it retired (`merged_into_id`), the
 * record still counts in the surviving contact.
 */
async function survivingContacts(
  backend: Backend,
  propertyId: string,
): Promise<(contactId: string) => string> {
  const rows = await backend.contactRows(propertyId);
  const mergedInto = new Map(rows.map((row) => [row.id, row.mergedIntoId]));
  return (contactId) => {
    let current = contactId;
    // Bounded: a cycle would be a bug in the merge code, not a reason to hang the benchmark.
    for (let hops = 0; hops < rows.length; hops += 1) {
      const next = mergedInto.get(current);
      if (next === null || next === undefined) return current;
      current = next;
    }
    throw new Error(`contact ${contactId}: merged_into_id chain does not end`);
  };
}

/** Rows of `records` until `stopped()` says so; the import then ends normally. */
async function* until(
  records: AsyncIterable<ImportRecord>,
  stopped: () => boolean,
): AsyncIterable<ImportRecord> {
  for await (const record of records) {
    if (stopped()) return;
    yield record;
  }
}

function warningCounts(summary: ImportSummary): Record<string, number> {
  return Object.fromEntries(summary.warnings.map((w) => [`${w.field}: ${w.reason}`, w.count]));
}

function rejectionCounts(summary: ImportSummary): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { reason } of summary.rejections) counts[reason] = (counts[reason] ?? 0) + 1;
  return counts;
}

/** Where a data set is imported: a fresh database, or the in-memory tuning aid. */
interface Backend {
  contacts: ContactStore;
  properties: Pick<PropertyStore, "ensureResmanProperty">;
  links(propertyId: string): AsyncIterable<LinkListing>;
  /** Each contact of the property and the contact it was merged into, if any. */
  contactRows(propertyId: string): Promise<{ id: string; mergedIntoId: string | null }[]>;
  close(): Promise<void>;
}

async function openBackend(driver: QualityDriver): Promise<Backend> {
  if (driver === "memory") {
    const memory = createMemoryStores();
    return {
      contacts: memory.contacts,
      properties: memory.properties,
      links: (propertyId) => memory.links(propertyId),
      contactRows: async (propertyId) => memory.contactRows(propertyId),
      close: async () => {},
    };
  }
  // PGlite in memory, Postgres on a scratch database: nothing is left behind.
  const { handle, cleanup } = await openTestDatabase(driver);
  const stores = storesOn(handle);
  return {
    contacts: stores.contacts,
    properties: stores.properties,
    links: (propertyId) => stores.reports.links(propertyId),
    contactRows: (propertyId) =>
      handle.db
        .select({ id: user.id, mergedIntoId: user.mergedIntoId })
        .from(user)
        .where(eq(user.propertyId, propertyId)),
    close: cleanup,
  };
}

async function measure(
  set: PreparedSet,
  driver: QualityDriver,
  stopped: () => boolean,
): Promise<SetQuality | null> {
  const stores = await openBackend(driver);
  try {
    const property = await stores.properties.ensureResmanProperty({
      resmanPropertyId: BENCH_PROPERTY,
      ...(set.officePhone === null ? {} : { officePhone: set.officePhone }),
    });
    const file = await openImportFile(set.file);
    const total = set.labels.size;
    let rows = 0;
    const started = performance.now();
    const progress = setInterval(() => {
      log(`[${set.name}] ${number.format(rows)} of ${number.format(total)} rows`);
    }, PROGRESS_MS);
    const counting = countingStore(stores.contacts);
    let summary: ImportSummary;
    try {
      summary = await importPeople(
        {
          store: counting.store,
          clock: systemClock,
          matcher: counting.matcher(property.matchingCriteria),
        },
        {
          property,
          records: until(file.records, stopped),
          // As `contact-sync import`: PGlite has one connection, a server takes a few at once.
          onProgress: (counts) => {
            rows = counts.rows;
          },
        },
      );
    } finally {
      clearInterval(progress);
      file.close();
    }
    const seconds = (performance.now() - started) / 1000;
    if (summary.aborted !== undefined) {
      throw new Error(`${set.name}: the import aborted: ${summary.aborted}`);
    }
    if (stopped()) return null;

    const survivor = await survivingContacts(stores, property.id);
    const contactOf = new Map<string, string>();
    let links = 0;
    let pending = 0;
    for await (const link of stores.links(property.id)) {
      links += 1;
      if (link.syncStatus === "pending") pending += 1;
      // An import only writes links with a ResMan person; a link without a contact is a
      // failed one, and its record pairs with nothing.
      if (link.personId === null || link.userId === null) continue;
      if (!set.labels.has(link.personId)) {
        throw new Error(`${set.name}: a link names external id ${link.personId}, not in the file`);
      }
      contactOf.set(link.personId, survivor(link.userId));
    }

    // Every labelled record counts; one the import did not link (rejected, failed) is a group
    // of its own, so its true pairs count as missed.
    const outcomes: (HouseholdRecordOutcome & NamesakeRecordOutcome)[] = [];
    for (const [externalId, label] of set.labels) {
      outcomes.push({
        truth: label.person,
        predicted: contactOf.get(externalId) ?? `unlinked:${externalId}`,
        household: label.household ?? label.person,
        namesake: label.namesake,
      });
    }
    const hasNamesakes = [...set.labels.values()].some((label) => label.namesake !== null);
    const hasHouseholds = [...set.labels.values()].some((label) => label.household !== null);
    const result: Omit<SetQuality, "target"> = {
      name: set.name,
      ...pairwiseQuality(outcomes),
      contacts: new Set(contactOf.values()).size,
      links,
      pending,
      reviewRate: links === 0 ? 0 : pending / links,
      rejected: summary.rejected,
      failed: summary.failed,
      householdFalseMerges: hasHouseholds ? householdFalseMerges(outcomes) : null,
      namesakeFalseMerges: hasNamesakes ? namesakeFalseMerges(outcomes) : null,
      seconds,
      sync: counting.counts(),
      warnings: warningCounts(summary),
      rejections: rejectionCounts(summary),
    };
    const target = TARGETS[set.name];
    return {
      ...result,
      target: target === undefined ? null : { text: target.text, met: target.met(result) },
    };
  } finally {
    await stores.close();
  }
}

// --- the run -------------------------------------------------------------------------------

/** The commit measured, with `+` when the tree has uncommitted changes; null without git. */
function revision(): string | null {
  try {
    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8", stdio: "pipe" }).trim();
    return `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain") === "" ? "" : "+"}`;
  } catch {
    return null;
  }
}

const rate = (value: number) => value.toFixed(4);

function report(results: readonly SetQuality[]): string {
  const table = new Table({
    // No colours: the table is read in logs and pasted into reports.
    style: { head: [], border: [] },
    head: [
      "data set",
      "records",
      "people",
      "contacts",
      "rejected",
      "true pairs",
      "predicted pairs",
      "correct pairs",
      "precision",
      "recall",
      "F1",
      "review rate",
      "household false merges",
      "namesake false merges",
      "seconds",
      "target (issues 4, 9)",
    ],
  });
  for (const r of results) {
    table.push([
      r.name,
      ...[r.records, r.people, r.contacts, r.rejected, r.truePairs, r.predictedPairs].map((n) =>
        number.format(n),
      ),
      number.format(r.correctPairs),
      rate(r.precision),
      rate(r.recall),
      rate(r.f1),
      `${(100 * r.reviewRate).toFixed(1)}%`,
      r.householdFalseMerges === null ? "-" : number.format(r.householdFalseMerges),
      r.namesakeFalseMerges === null ? "-" : number.format(r.namesakeFalseMerges),
      r.seconds.toFixed(1),
      r.target === null ? "-" : `${r.target.text}: ${r.target.met ? "met" : "NOT met"}`,
    ]);
  }
  const lines = [table.toString()];
  for (const r of results) {
    const warnings = Object.entries(r.warnings).map(
      ([what, count]) => `${what} ×${number.format(count)}`,
    );
    if (warnings.length > 0) lines.push(`${r.name} import warnings: ${warnings.join(", ")}`);
    const rejections = Object.entries(r.rejections).map(
      ([reason, count]) => `${reason} ×${number.format(count)}`,
    );
    if (rejections.length > 0) lines.push(`${r.name} rejected: ${rejections.join(", ")}`);
    if (r.failed > 0) lines.push(`! ${r.name}: ${number.format(r.failed)} rows failed to sync`);
    lines.push(
      `${r.name} sync path: ${number.format(r.sync.reads)} snapshot reads, ` +
        `${number.format(r.sync.lostRounds)} lost rounds, ` +
        `${number.format(r.sync.lockingFallbacks)} locking fallbacks; candidates per read ` +
        `${r.sync.candidatesMean.toFixed(1)} mean, ${number.format(r.sync.candidatesMax)} max; ` +
        `${r.sync.matcherSeconds.toFixed(1)} s in the matcher`,
    );
  }
  lines.push(
    "",
    "Pairwise: predicted pairs = pairs of records in one contact; true pairs = pairs of records of one person;",
    "precision = correct / predicted (1 when nothing is merged), recall = correct / true, F1 their harmonic mean.",
    "A record the import did not link (rejected, failed) is alone: its true pairs count as missed.",
    "Review rate: links left pending (manual review) / all links. Household false merges: distinct pairs of",
    "different people of one household sharing a contact. Namesake false merges: the same for different people",
    "given one full name (unrelated namesakes).",
  );
  return `${lines.join("\n")}\n`;
}

async function main(): Promise<void> {
  const driver = driverFromEnv();
  const names = setsFromEnv();
  const dataDir = dataDirFromEnv();
  let interrupted = false;
  // Ctrl-C: finish the rows in flight, drop the scratch database, report what is done.
  process.on("SIGINT", () => {
    interrupted = true;
  });
  const commit = revision();
  process.stdout.write(
    `Match quality on ${driverLabel(driver)} (commit ${commit ?? "unknown"}; ` +
      `data ${dataDir})\n`,
  );

  const folder = await mkdtemp(join(tmpdir(), "contact-sync-quality-"));
  const results: SetQuality[] = [];
  try {
    const sets: PreparedSet[] = [];
    for (const name of names) {
      const spec = FEBRL.find((f) => f.name === name);
      if (spec !== undefined) sets.push(await prepareFebrl(spec, dataDir, folder));
      else if (name === "messy") sets.push(await prepareMessy(folder));
      else sets.push(await prepareSynthetic(folder));
    }
    for (const set of sets) {
      if (interrupted) break;
      log(`[${set.name}] importing ${number.format(set.labels.size)} rows…`);
      const result = await measure(set, driver, () => interrupted);
      if (result === null) {
        log(`[${set.name}] interrupted`);
        break;
      }
      log(`[${set.name}] done in ${result.seconds.toFixed(1)} s`);
      results.push(result);
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  process.stdout.write(`\n${report(results)}\n`);
  // The memory store's figures are a tuning aid, never the ones of record.
  const tuning = driver === "memory" ? { tuningAid: true } : {};
  process.stdout.write(
    `${JSON.stringify({ bench: "quality", driver, ...tuning, commit, interrupted, sets: results })}\n`,
  );
}

try {
  await main();
} catch (error) {
  process.stderr.write(
    `bench:quality: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
}
