/**
 * Generated rows written as an import CSV: the generator's columns (the import's, bar
 * `last_modified`); a column a row does not have is left blank. Used by the quality bench and
 * by the tests that import its sets.
 */
import { writeFile } from "node:fs/promises";
import { stringify } from "csv-stringify/sync";
import { type GeneratedColumn, generatedColumns } from "../../lib/local/peopleGenerator.js";

export async function writeImportCsv(
  path: string,
  rows: Partial<Record<GeneratedColumn, string>>[],
): Promise<void> {
  await writeFile(path, stringify(rows, { header: true, columns: [...generatedColumns] }));
}
