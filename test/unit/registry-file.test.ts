/**
 * Reading a portfolio's properties file (`readRegistryFile`, lib/adapters/files/registryFile.ts):
 * CSV with a header (a byte order mark and CRLF lines are fine), JSON Lines and a JSON array, each
 * entry with its line or position; a file that cannot be read says why in one line, with no value
 * from the file in it.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MAX_REGISTRY_FILE_BYTES,
  readRegistryFile,
} from "../../lib/adapters/files/registryFile.js";

const A = "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b";
let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "cs-registry-file-"));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, content);
  return path;
}

describe("readRegistryFile", () => {
  it("reads a CSV's rows keyed by the header, with their lines (BOM, CRLF, blank and quoted lines)", async () => {
    const path = await file(
      "a.csv",
      `\uFEFFPropertyID,AccountID,Name\r\n${A},400,"Oak\r\nRidge"\r\n\r\n${A},401,\r\n`,
    );
    expect(await readRegistryFile(path)).toEqual([
      { where: "line 3", fields: { PropertyID: A, AccountID: "400", Name: "Oak\nRidge" } },
      { where: "line 5", fields: { PropertyID: A, AccountID: "401", Name: "" } },
    ]);
  });

  it("reads JSON Lines by line and a JSON array by entry", async () => {
    const jsonl = await file("a.jsonl", `{"property":"${A}"}\n\n{"account":400}\n`);
    expect(await readRegistryFile(jsonl)).toEqual([
      { where: "line 1", fields: { property: A } },
      { where: "line 3", fields: { account: 400 } },
    ]);
    const json = await file("a.json", `[{"property":"${A}"},{"account":400}]`);
    expect(await readRegistryFile(json)).toEqual([
      { where: "entry 1", fields: { property: A } },
      { where: "entry 2", fields: { account: 400 } },
    ]);
  });

  it.each([
    ["empty.csv", "", /empty\.csv is empty$/],
    ["blank.json", "  \n", /blank\.json is empty$/],
    ["header.csv", "PropertyID,AccountID\n", /header\.csv has a header row and no properties$/],
    [
      "quote.csv",
      `PropertyID,AccountID\n${A},"Secret\n`,
      /quote\.csv is not valid CSV \(line 2\)$/,
    ],
    ["object.json", `{"property":"Secret"}`, /object\.json is not a JSON array of properties/],
    ["broken.json", `[{"property":"Secret"`, /broken\.json is not valid JSON$/],
    ["scalar.json", `["Secret"]`, /scalar\.json, entry 1, is not a JSON object$/],
    ["lines.jsonl", `{"a":1}\n{"Secret": `, /lines\.jsonl, line 2, is not valid JSON$/],
    ["latin.csv", Buffer.from([0x50, 0x0a, 0xe9, 0x0a]), /latin\.csv is not UTF-8 text$/],
    [
      "notes.txt",
      "Secret",
      /unsupported file type "\.txt": use \.csv, \.jsonl, \.ndjson or \.json/,
    ],
  ])("refuses %s in one line without its content", async (name, content, reason) => {
    const path = await file(name, content);
    const refused = readRegistryFile(path);
    await expect(refused).rejects.toThrow(reason);
    await expect(refused).rejects.not.toThrow(/Secret/);
  });

  it("refuses a file too big to be a registry, and a missing one", async () => {
    const big = await file("people.csv", Buffer.alloc(MAX_REGISTRY_FILE_BYTES + 1, 0x61));
    await expect(readRegistryFile(big)).rejects.toThrow(
      /people\.csv is 5\.0 MB, more than a properties file .*`contact-sync import`/,
    );
    await expect(readRegistryFile(join(folder, "none.json"))).rejects.toThrow(
      /cannot read .*none\.json: no such file/,
    );
  });
});
