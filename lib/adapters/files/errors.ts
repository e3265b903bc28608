/**
 * The errors of files given on the command line: an import file that cannot be imported at all
 * (exit code 2, nothing written), and a file system error said in words.
 */
import { InvalidInputError } from "../../domain/errors.js";

/** A file that cannot be imported at all. */
export class ImportFileError extends InvalidInputError {}

/**
 * A file system error in words, by its code (Node's message repeats the path and adds nothing):
 * `cannot read <path>: <this>`.
 */
export function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a folder, not a file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return code ?? "error";
}
