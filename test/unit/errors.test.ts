import { describe, expect, it } from "vitest";
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
