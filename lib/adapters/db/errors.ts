/**
 * Database errors, mapped once from driver errors (pg, Neon, PGlite all carry a SQLSTATE
 * `code`). Messages name the operation and the SQLSTATE only: driver messages and details can
 * quote row values, so they never reach a caller or a log — except the server's messages about
 * a setting (`settingMessage`: an unknown one, a value refused), which name only the operator's
 * own configuration (`PGOPTIONS`, the connection string) and tell them what to fix, and a plain
 * description of a connection string's mistake (`connectionStates`: no such database, a wrong
 * password, a user the server refuses).
 */
import { ContactSyncError } from "../../domain/errors.js";

export class StoreError extends ContactSyncError {
  readonly retryable: boolean = false;
  readonly code: string = "store_error";

  constructor(
    message: string,
    readonly sqlState: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Lost a race with a concurrent transaction (deadlock, serialisation, unique key): retry. */
export class StoreConflictError extends StoreError {
  override readonly retryable = true;
  override readonly code = "store_conflict";
}

/** The database could not be reached or dropped the connection: retry later. */
export class StoreUnavailableError extends StoreError {
  override readonly retryable = true;
  override readonly code = "store_unavailable";
}

/**
 * The database lacks a table, column or function this code uses: its migrations are behind the
 * code (an upgrade deployed before `contact-sync migrate`). Nothing about the input is wrong, so
 * it is retried like an outage (a queue message waits, then the DLQ keeps it; a reconciliation's
 * cursor stays) instead of recording every person synced meanwhile as failed.
 */
export class StoreSchemaError extends StoreError {
  override readonly retryable = true;
  override readonly code = "store_schema_outdated";
}

/** What a `StoreSchemaError` says: `detail` how it was found (a SQLSTATE, migrations pending). */
export function schemaOutdatedMessage(detail: string): string {
  return `the database's schema is older than this contact-sync (${detail}): run \`contact-sync migrate\``;
}

/** Undefined table, column, function: the schema is older than the code. */
const schemaStates = new Set(["42P01", "42703", "42883"]);
const conflictStates = new Set(["40001", "40P01", "23505", "55P03"]);
const unavailableStates = new Set(["57P01", "57P02", "57P03", "53300", "53400"]);
const networkCodes = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND"]);

function codeOf(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error || (e && typeof e === "object"); ) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    const cause = (e as { cause?: unknown }).cause;
    if (cause === undefined || cause === e) break;
    e = cause;
  }
  return undefined;
}

/** The server's messages about a setting, which quote nothing but the setting and its value. */
const settingMessages = [
  /^unrecognized configuration parameter "[\w.]+"$/,
  /^invalid value for parameter "[\w.]+": "[^"]{0,100}"$/,
  /^parameter "[\w.]+" cannot be changed now$/,
  /^permission denied to set parameter "[\w.]+"$/,
];

/**
 * What the operator's connection string got wrong, for the SQLSTATEs that can only mean that
 * (the server's own messages would name the database or user, which are the operator's too,
 * but these say what to check).
 */
const connectionStates: Readonly<Record<string, string>> = {
  "3D000": "the database named in the connection string does not exist",
  "28P01": "password authentication failed for the connection string's user",
  "28000":
    "the server refused the connection string's user (no such role, or not allowed from this host)",
};

/** The message of a driver error (or of its cause) if it is one of `settingMessages`. */
function settingMessage(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (settingMessages.some((pattern) => pattern.test(e.message))) return e.message;
    if (e.cause === e) break;
  }
  return undefined;
}

function looksLikeLostConnection(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : "";
  return /Connection terminated|connection (is )?closed|Client has encountered a connection error|socket hang up/i.test(
    text,
  );
}

/**
 * Maps what a driver threw into a `StoreError`. Errors that are not from the database (our own
 * typed errors, programming errors) pass through unchanged so they are not disguised.
 */
export function toStoreError(error: unknown, operation: string): unknown {
  if (error instanceof ContactSyncError) return error;
  const code = codeOf(error);
  if (code !== undefined && conflictStates.has(code)) {
    return new StoreConflictError(`${operation}: concurrent update (${code})`, code, {
      cause: error,
    });
  }
  if (
    (code !== undefined &&
      (code.startsWith("08") || unavailableStates.has(code) || networkCodes.has(code))) ||
    looksLikeLostConnection(error)
  ) {
    return new StoreUnavailableError(
      `${operation}: database unavailable (${code ?? "connection lost"})`,
      code,
      {
        cause: error,
      },
    );
  }
  if (code !== undefined && schemaStates.has(code)) {
    return new StoreSchemaError(`${operation}: ${schemaOutdatedMessage(code)}`, code, {
      cause: error,
    });
  }
  const fromDatabase = code !== undefined && /^[0-9A-Z]{5}$/.test(code);
  if (!fromDatabase) return error;
  const explained = connectionStates[code] ?? settingMessage(error);
  const why = explained === undefined ? code : `${code}: ${explained}`;
  return new StoreError(`${operation}: database error (${why})`, code, { cause: error });
}
