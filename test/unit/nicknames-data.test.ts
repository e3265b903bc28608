/**
 * The nickname table is vendored (refdata/nicknames/) and compiled into a TypeScript module
 * (lib/domain/refdata/nicknames.ts): the module must be the CSV, not a stale or hand-edited
 * copy, and the copy must keep its licence.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { NICKNAMES } from "../../lib/domain/refdata/nicknames.js";
import {
  generateNicknameModule,
  NICKNAMES_SOURCE,
  nicknamesCsvPath,
  nicknamesModulePath,
  parseNicknameCsv,
} from "../../scripts/generateNicknames.js";

const csv = readFileSync(nicknamesCsvPath, "utf8");
const refdata = (file: string) => readFileSync(new URL(file, `file://${nicknamesCsvPath}`), "utf8");

describe("lib/domain/refdata/nicknames.ts", () => {
  it("is generated from refdata/nicknames/names.csv (else run `npx tsx scripts/generateNicknames.ts`)", () => {
    expect(
      readFileSync(nicknamesModulePath, "utf8"),
      "lib/domain/refdata/nicknames.ts is stale: run npx tsx scripts/generateNicknames.ts",
    ).toBe(generateNicknameModule(csv));
  });

  it("holds every row of the CSV: 1,151 canonical names, 2,691 pairs", () => {
    const rows = csv.split(/\r?\n/u).filter((line) => line !== "");
    const pairs = Object.entries(NICKNAMES).flatMap(([name, nicknames]) =>
      nicknames.split(" ").map((nickname) => `${name},has_nickname,${nickname}`),
    );
    expect(Object.keys(NICKNAMES)).toHaveLength(1_151);
    expect(pairs.sort()).toEqual(rows.slice(1).sort());
    expect(pairs).toHaveLength(2_691);
  });

  it("names its source and licence", () => {
    const header = generateNicknameModule(csv).split("\n").slice(0, 8).join("\n");
    expect(header).toContain(NICKNAMES_SOURCE.repository);
    expect(header).toContain(NICKNAMES_SOURCE.commit);
    expect(header).toContain("Apache License 2.0");
  });
});

describe("refdata/nicknames/", () => {
  it("ships the Apache-2.0 licence and a README naming the upstream commit", () => {
    expect(refdata("LICENSE.txt")).toContain("Apache License");
    expect(refdata("LICENSE.txt")).toContain("Version 2.0, January 2004");
    expect(refdata("README.md")).toContain(NICKNAMES_SOURCE.repository);
    expect(refdata("README.md")).toContain(NICKNAMES_SOURCE.commit);
  });
});

describe("parseNicknameCsv", () => {
  const header = "name1,relationship,name2";

  it("reads rows in file order, once each, with CRLF or LF line ends", () => {
    const table = parseNicknameCsv(`${header}\r\nbob,has_nickname,rob\r\nbob,has_nickname,bo\r\n`);
    expect([...table]).toEqual([["bob", ["rob", "bo"]]]);
    expect(parseNicknameCsv(`${header}\nann,has_nickname,nan\nann,has_nickname,nan\n`)).toEqual(
      new Map([["ann", ["nan"]]]),
    );
  });

  it.each([
    ["another header", "name,nickname\nbob,rob\n", /header/],
    ["another relationship", `${header}\nbob,is_nickname_of,rob\n`, /line 2/],
    ["a missing column", `${header}\nbob,has_nickname\n`, /line 2/],
    ["an extra column", `${header}\nbob,has_nickname,rob,x\n`, /line 2/],
    ["a capital letter", `${header}\nBob,has_nickname,rob\n`, /line 2/],
    ["a space in a name", `${header}\nbob,has_nickname,ro b\n`, /line 2/],
    ["a quoted field", `${header}\n"bob",has_nickname,rob\n`, /line 2/],
  ])("rejects %s, naming where", (_case, text, message) => {
    expect(() => parseNicknameCsv(text)).toThrow(message);
  });
});
