import { describe, expect, it } from "vitest";
import { StoreSchemaError, toStoreError } from "../../lib/adapters/db/errors.js";
import { ContactSyncError, InvalidInputError, isRetryable } from "../../lib/domain/errors.js";

/** A retryable error of the kind an adapter module would define. */
class LockBusyError extends ContactSyncError {
  readonly retryable = true;
  readonly code = "lock_busy";
}

describe("InvalidInputError", () => {
  it("is a permanent, named error carrying field-level issues", () => {
    const issues = [{ path: "person.email", message: "must be text" }];
    const error = new InvalidInputError("invalid person", issues);
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(ContactSyncError);
    expect(error.name).toBe("InvalidInputError");
    expect(error.code).toBe("invalid_input");
    expect(error.retryable).toBe(false);
    expect(error.message).toBe("invalid person");
    expect(error.issues).toEqual(issues);
  });

  it("has no issues unless given some", () => {
    expect(new InvalidInputError("bad row").issues).toEqual([]);
  });
});

describe("ContactSyncError", () => {
  it("names each subclass after itself and keeps the cause", () => {
    const cause = new Error("connection reset");
    const error = new LockBusyError("contact is locked", { cause });
    expect(error.name).toBe("LockBusyError");
    expect(error.cause).toBe(cause);
  });
});

describe("isRetryable", () => {
  it("is true only for our errors that say a retry can help", () => {
    expect(isRetryable(new LockBusyError("contact is locked"))).toBe(true);
    expect(isRetryable(new InvalidInputError("bad row"))).toBe(false);
  });

  it("is false for foreign errors and for values that are not errors", () => {
    expect(isRetryable(new Error("boom"))).toBe(false);
    expect(isRetryable({ retryable: true })).toBe(false);
    expect(isRetryable("retryable")).toBe(false);
    expect(isRetryable(undefined)).toBe(false);
  });
});

describe("toStoreError", () => {
  /** A driver's error: a message that may quote values, and its SQLSTATE. */
  const driverError = (code: string) =>
    Object.assign(new Error("function block_keys_in_property(uuid, text[]) does not exist"), {
      code,
    });

  it.each(["42P01", "42703", "42883"])(
    "takes SQLSTATE %s (a table, column or function missing) for a schema behind the code: retried, never the person's fault",
    (code) => {
      const mapped = toStoreError(driverError(code), "read snapshot");
      expect(mapped).toBeInstanceOf(StoreSchemaError);
      expect(mapped).toMatchObject({
        retryable: true,
        code: "store_schema_outdated",
        sqlState: code,
        message: `read snapshot: the database's schema is older than this contact-sync (${code}): run \`contact-sync migrate\``,
      });
    },
  );

  it("keeps any other database error a permanent one, its message without the driver's", () => {
    const mapped = toStoreError(driverError("22P02"), "write contact");
    expect(mapped).not.toBeInstanceOf(StoreSchemaError);
    expect(mapped).toMatchObject({
      retryable: false,
      message: "write contact: database error (22P02)",
    });
  });
});
