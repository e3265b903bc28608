/**
 * Writes the bundled sample behind `npm start` (`npm run sample`): one CSV of ResMan people per
 * property, named after the ResMan property GUID, as `lib/local/start.ts` expects.
 *
 * The files are generated, not hand-edited: same code, same bytes. They are committed so that
 * `npm start` needs no generation step, and regenerated only when the generator changes.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  type DataProblemRates,
  type GeneratedFileSummary,
  type LabelledPersonRow,
  type SyntheticPerson,
  writePeopleCsv,
} from "./peopleGenerator.js";
import { sampleFolder } from "./sampleFolder.js";
import { sampleProperties } from "./sampleProperties.js";

/** People of the first property who also have guest cards at the second (they shop around). */
const VISITORS = 5;

/**
 * Denser problems than a real export, so that a file of two hundred rows shows every kind at
 * least once (a few rejected rows, nicknames, the office phone, impossible birth dates).
 */
const sampleRates: Partial<DataProblemRates> = {
  duplicateCards: 0.2,
  sharedHousehold: 0.2,
  nickname: 0.25,
  officePhone: 0.015,
  invalidDob: 0.06,
  legacyId: 0.05,
  missingExternalId: 0.012,
  repeatedExternalId: 0.01,
  noIdentity: 0.01,
};

/**
 * Writes the sample files into `folder`; returns what each holds. `onRow` sees every labelled
 * row (with the ResMan property it belongs to), for measuring match quality on the sample.
 */
export async function writeSample(
  folder = sampleFolder,
  onRow?: (resmanPropertyId: string, row: LabelledPersonRow) => void,
): Promise<GeneratedFileSummary[]> {
  await mkdir(folder, { recursive: true });
  const [first, second] = sampleProperties;
  const visitors: SyntheticPerson[] = [];
  const picked = new Set<string>();
  const firstSummary = await writePeopleCsv(join(folder, `${first.resmanPropertyId}.csv`), {
    seed: first.seed,
    rows: first.rows,
    label: first.label,
    property: first.address,
    officePhone: first.officePhone,
    rates: sampleRates,
    countPersons: true,
    onRow: (row) => {
      onRow?.(first.resmanPropertyId, row);
      const { person } = row;
      // Adults still looking (prospects, lost prospects) who can be reached: they are the ones
      // who tour a second community.
      const looking = person.status === "prospect" || person.status === "lost";
      const reachable = person.email !== null || person.phone !== null;
      if (visitors.length < VISITORS && looking && reachable && !picked.has(person.personId)) {
        picked.add(person.personId);
        visitors.push(person);
      }
    },
  });
  const secondSummary = await writePeopleCsv(join(folder, `${second.resmanPropertyId}.csv`), {
    seed: second.seed,
    rows: second.rows,
    label: second.label,
    property: second.address,
    officePhone: second.officePhone,
    rates: sampleRates,
    visitors,
    countPersons: true,
    onRow: (row) => onRow?.(second.resmanPropertyId, row),
  });
  return [firstSummary, secondSummary];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  for (const summary of await writeSample()) {
    const problems = Object.entries(summary.problems)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([problem, count]) => `${problem} ${count}`)
      .join(", ");
    process.stdout.write(
      `${summary.path.slice(root.length)}: ${summary.rows} rows, ${summary.persons} people\n  ${problems}\n`,
    );
  }
}
