/**
 * The README's "Layout" lists every source file of `lib/` and `functions/`, and nothing that is
 * not there: a file added, moved or removed without its line fails here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

function sourceFolders(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** The fenced block under "## Layout". */
function layoutBlock(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.split("\n## Layout\n")[1]?.split("\n## ")[0] ?? "";
  return section.split("```")[1] ?? "";
}

describe("README layout", () => {
  const block = layoutBlock();
  const files = [...sourceFiles("lib"), ...sourceFiles("functions")];

  it("names every source file", () => {
    expect(files.length).toBeGreaterThan(100);
    const missing = files.filter((file) => {
      const name = basename(file, ".ts");
      return !new RegExp(`(^|[\\s,(/])${name}(\\.ts)?([\\s,)]|$)`, "m").test(block);
    });
    expect(missing).toEqual([]);
  });

  it("names no file that does not exist", () => {
    const names = new Set(files.map((file) => basename(file)));
    const listed = [...block.matchAll(/[\w-]+\.ts\b/g)].map((match) => match[0]);
    expect(listed.length).toBeGreaterThan(50);
    expect(listed.filter((name) => !names.has(name))).toEqual([]);
  });

  it("names every folder of lib/", () => {
    const missing = sourceFolders("lib").filter((folder) => {
      const last = `${basename(folder)}/`;
      return !block.includes(`${folder}/`) && !block.includes(last);
    });
    expect(missing).toEqual([]);
  });
});
