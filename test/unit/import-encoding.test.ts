import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { lineDecoder, type TextLine, textLines } from "../../lib/adapters/files/encoding.js";
import { ImportFileError } from "../../lib/adapters/files/errors.js";

/** The bytes cut into chunks of `size`, as a file stream may deliver them. */
async function* chunks(bytes: Buffer, size: number) {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function linesOf(bytes: Buffer, encoding?: string, size = 3): Promise<TextLine[]> {
  const lines: TextLine[] = [];
  for await (const batch of textLines(chunks(bytes, size), lineDecoder(encoding))) {
    lines.push(...batch);
  }
  return lines;
}

async function failureOf(bytes: Buffer, encoding?: string): Promise<ImportFileError> {
  try {
    await linesOf(bytes, encoding);
  } catch (error) {
    if (error instanceof ImportFileError) return error;
    throw error;
  }
  throw new Error("expected an ImportFileError");
}

describe("textLines", () => {
  it("numbers the lines and gives each one's end offset in bytes, whatever the chunks", async () => {
    const bytes = Buffer.from("id,name\r\nA-1,Zoë\n\nA-2,Björk", "utf8");
    for (const size of [1, 2, 3, 7, 1024]) {
      expect(await linesOf(bytes, undefined, size)).toEqual([
        { line: 1, text: "id,name", end: 9 },
        { line: 2, text: "A-1,Zoë", end: 18 },
        { line: 3, text: "", end: 19 },
        { line: 4, text: "A-2,Björk", end: bytes.length },
      ]);
    }
  });

  it("takes a UTF-8 byte order mark off the first line and counts its bytes", async () => {
    const bytes = Buffer.from("\uFEFFexternal_id\nA-1\n", "utf8");
    expect(await linesOf(bytes)).toEqual([
      { line: 1, text: "external_id", end: 15 },
      { line: 2, text: "A-1", end: 19 },
    ]);
  });

  it("names the first line that is not UTF-8 and suggests --encoding latin1", async () => {
    const bytes = Buffer.concat([
      Buffer.from("external_id,first_name\nA-1,Ann\nA-2,Zo"),
      Buffer.from([0xeb]),
      Buffer.from("\nA-3,M"),
      Buffer.from([0xfc]),
      Buffer.from("ller\n"),
    ]);
    const error = await failureOf(bytes);
    expect(error.message).toMatch(/^line 3 is not valid UTF-8: .*--encoding latin1/);
  });

  it("refuses a U+FFFD already in the file instead of storing it", async () => {
    const bytes = Buffer.from("external_id,first_name\nA-1,Ren\uFFFDe\n", "utf8");
    expect((await failureOf(bytes)).message).toMatch(/^line 2 holds U\+FFFD/);
  });

  it("decodes a named encoding with iconv-lite", async () => {
    const bytes = iconv.encode("external_id,first_name\nA-1,Zoë Müller\nA-2,€uro\n", "win1252");
    expect((await linesOf(bytes, "windows-1252")).map((line) => line.text)).toEqual([
      "external_id,first_name",
      "A-1,Zoë Müller",
      "A-2,€uro",
    ]);
    expect((await linesOf(iconv.encode("a\nZoë\n", "latin1"), "latin1"))[1]).toEqual({
      line: 2,
      text: "Zoë",
      end: 6,
    });
  });

  it("names the line with bytes the named encoding does not define", async () => {
    const bytes = Buffer.concat([Buffer.from("a\nb\nc"), Buffer.from([0x81]), Buffer.from("\n")]);
    expect((await failureOf(bytes, "windows-1252")).message).toMatch(
      /^line 3 has bytes that are not valid windows-1252/,
    );
  });

  it("refuses a UTF-8 file imported under another encoding, and a UTF-16 file", async () => {
    expect((await failureOf(Buffer.from("\uFEFFa\n", "utf8"), "latin1")).message).toMatch(
      /UTF-8 byte order mark: it is UTF-8, not latin1/,
    );
    expect((await failureOf(Buffer.from("\uFEFFa\n", "utf16le"))).message).toMatch(/UTF-16/);
  });
});

describe("lineDecoder", () => {
  it("refuses an encoding iconv-lite does not know", () => {
    expect(() => lineDecoder("klingon")).toThrow(/^unknown encoding "klingon"/);
  });

  it.each(["utf16", "utf-16le", "utf32", "utf7"])(
    "refuses %s, in which lines cannot be split on the newline byte",
    (encoding) => {
      expect(() => lineDecoder(encoding)).toThrow(/is not supported/);
    },
  );

  it.each(["utf8", "latin1", "windows-1252", "iso-8859-15", "shift_jis"])("accepts %s", (name) => {
    expect(lineDecoder(name).encoding).toBe(name);
  });
});
