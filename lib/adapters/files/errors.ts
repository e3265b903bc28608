/** The error of an import file that cannot be imported at all (exit code 2, nothing written). */
import { InvalidInputError } from "../../domain/errors.js";

/** A file that cannot be imported at all. */
export class ImportFileError extends InvalidInputError {}
