/**
 * An import file's bytes as numbered text lines, decoded strictly.
 *
 * A file is UTF-8 (a byte order mark is fine) unless `--encoding` names another encoding, which
 * iconv-lite decodes. Text that does not decode — bytes that are not UTF-8 (a Latin-1 or
 * Windows-1252 export), bytes the named encoding does not define — stops the import at the first
 * such line, as does a U+FFFD replacement character already in the file (a character an earlier
 * conversion lost): a value is never stored with a character silently replaced.
 *
 * Lines are split on the newline byte, before decoding, so each line's byte offset in the file is
 * exact (import progress follows it) and a bad line is named by its number. That needs an
 * encoding in which ASCII is ASCII (UTF-8, Latin-1, Windows-125x, Shift_JIS, GBK, …): UTF-16 and
 * UTF-32 are refused. Memory holds one chunk of the file and one line, whatever the file size.
 */
import { isUtf8 } from "node:buffer";
import iconv from "iconv-lite";
import { ImportFileError } from "./errors.js";

/** A line of the file, without its line ending. */
export interface TextLine {
  /** 1-based line number. */
  line: number;
  text: string;
  /** Byte offset just past the line and its ending: how much of the file has been read. */
  end: number;
}

/** A line longer than this is not a row of an import file (a binary, or `\r`-only line ends). */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/** Decodes one line's bytes; throws `ImportFileError` naming the line when they do not decode. */
export interface LineDecoder {
  /** The encoding as `--encoding` named it; undefined for the UTF-8 default. */
  readonly encoding: string | undefined;
  decode(bytes: Buffer, line: number): string;
}

const REPLACEMENT = "\uFFFD";
const ASCII =
  "\t\r\n !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

/** Whether an encoding writes ASCII as ASCII (so lines, quotes and commas are the ASCII bytes). */
function asciiCompatible(encoding: string): boolean {
  return (
    iconv.encode(ASCII, encoding).equals(Buffer.from(ASCII, "latin1")) &&
    iconv.decode(Buffer.from(ASCII, "latin1"), encoding) === ASCII
  );
}

function replacementLine(line: number): ImportFileError {
  return new ImportFileError(
    `line ${line} holds U+FFFD, the replacement character: a character was lost when the file ` +
      "was converted before; fix the file (nothing was imported)",
  );
}

/**
 * The decoder for `--encoding` (undefined: UTF-8). Throws `ImportFileError` for a name iconv-lite
 * does not know or an encoding lines cannot be split in.
 */
export function lineDecoder(encoding: string | undefined): LineDecoder {
  if (encoding === undefined) {
    return {
      encoding,
      decode(bytes, line) {
        if (!isUtf8(bytes)) {
          throw new ImportFileError(
            `line ${line} is not valid UTF-8: if the file is Latin-1, import it with ` +
              "--encoding latin1 (windows-1252 for a file saved by Excel on Windows); nothing was imported",
          );
        }
        const text = bytes.toString("utf8");
        if (text.includes(REPLACEMENT)) throw replacementLine(line);
        return text;
      },
    };
  }
  const name = encoding.trim();
  if (!iconv.encodingExists(name)) {
    throw new ImportFileError(
      `unknown encoding "${name}": use a name such as utf8, latin1 or windows-1252`,
    );
  }
  if (!asciiCompatible(name)) {
    throw new ImportFileError(
      `encoding "${name}" is not supported: lines cannot be split in it; save the file as UTF-8`,
    );
  }
  return {
    encoding: name,
    decode(bytes, line) {
      const text = iconv.decode(bytes, name, { stripBOM: false });
      if (!text.includes(REPLACEMENT)) return text;
      // Bytes the encoding leaves undefined decode to U+FFFD; a UTF-8 file holding one is damaged.
      if (isUtf8(bytes) && bytes.toString("utf8").includes(REPLACEMENT))
        throw replacementLine(line);
      throw new ImportFileError(
        `line ${line} has bytes that are not valid ${name}: is the file in another encoding? ` +
          "(nothing was imported)",
      );
    },
  };
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The first line without a UTF-8 byte order mark; refuses a UTF-16 or UTF-32 one. */
function withoutBom(bytes: Buffer, decoder: LineDecoder): Buffer {
  if (bytes.subarray(0, 3).equals(UTF8_BOM)) {
    if (
      decoder.encoding !== undefined &&
      iconv.decode(UTF8_BOM, decoder.encoding, { stripBOM: false }) !== "\uFEFF"
    ) {
      throw new ImportFileError(
        `the file starts with a UTF-8 byte order mark: it is UTF-8, not ${decoder.encoding}; drop --encoding`,
      );
    }
    return bytes.subarray(3);
  }
  const [first, second] = bytes;
  if ((first === 0xff && second === 0xfe) || (first === 0xfe && second === 0xff)) {
    throw new ImportFileError(
      "the file is UTF-16 or UTF-32 (it starts with such a byte order mark): save it as UTF-8",
    );
  }
  return bytes;
}

/** A line's bytes without the ending (`\n` or `\r\n`). */
function content(bytes: Buffer): Buffer {
  let length = bytes.length;
  if (length > 0 && bytes[length - 1] === 0x0a) length -= 1;
  if (length > 0 && bytes[length - 1] === 0x0d) length -= 1;
  return bytes.subarray(0, length);
}

/**
 * The file's lines, decoded, in batches (one per chunk read, so that a million lines are not a
 * million awaits). Throws `ImportFileError` at the first line that does not decode.
 */
export async function* textLines(
  source: AsyncIterable<Buffer>,
  decoder: LineDecoder,
): AsyncGenerator<TextLine[]> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let offset = 0;
  let line = 0;
  const decoded = (bytes: Buffer): TextLine => {
    line += 1;
    offset += bytes.length;
    const body = line === 1 ? withoutBom(content(bytes), decoder) : content(bytes);
    return { line, text: decoder.decode(body, line), end: offset };
  };
  for await (const chunk of source) {
    const batch: TextLine[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, newline + 1);
      batch.push(decoded(pendingBytes === 0 ? piece : Buffer.concat([...pending, piece])));
      pending = [];
      pendingBytes = 0;
      start = newline + 1;
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > MAX_LINE_BYTES) {
        throw new ImportFileError(
          `line ${line + 1} is longer than ${MAX_LINE_BYTES / 1024 / 1024} MB: lines must end with a newline`,
        );
      }
    }
    if (batch.length > 0) yield batch;
  }
  if (pendingBytes > 0) yield [decoded(Buffer.concat(pending))];
}
