/**
 * The structured logger of the functions and the worker (Powertools Logger: JSON lines with the
 * Lambda context). What is logged is ids, counts, codes and field paths — never a name, email,
 * phone, birth date or secret (design §6 invariant 9); error objects are logged through
 * `safeError`, which keeps the class name and code but not the driver's message.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { ContactSyncError } from "../../domain/errors.js";

export const logger = new Logger({ serviceName: "contact-sync" });

/** What may be logged about an error: its type and code, and our own (safe) message. */
export function safeError(error: unknown): { name: string; code?: string; message?: string } {
  if (error instanceof ContactSyncError) {
    return { name: error.name, code: error.code, message: error.message };
  }
  // Driver and SDK messages can quote row values or request data: keep only the type.
  const name = error instanceof Error ? error.name : typeof error;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? { name, code } : { name };
}
