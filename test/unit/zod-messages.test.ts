/**
 * The package validates with zod's mini build (`lib/domain/zod.ts`), which carries no messages
 * of its own: the English ones must be loaded, or every issue would read "Invalid input". The
 * messages are what a webhook sender, a CLI user and the configuration's errors see.
 */
import { describe, expect, it } from "vitest";
import { webhookEnvelopeSchema } from "../../lib/domain/events.js";
import { zodIssues } from "../../lib/domain/zodIssues.js";

const GUID = "6f1c2a4e-0b7d-4c1e-9a55-3d2f8e7b9c01";

function issuesOf(value: unknown) {
  const parsed = webhookEnvelopeSchema.safeParse(value);
  if (parsed.success) throw new Error("expected the envelope to be refused");
  return zodIssues(parsed.error);
}

describe("validation messages", () => {
  it("are zod's English messages, naming the expectation and never the value", () => {
    const issues = issuesOf({
      type: "person.created",
      occurred_at: "2026-01-01T00:00:00Z",
      account_id: "12",
      property_id: GUID,
      person: { person_id: GUID, status: "prospect", first_name: "Ann".repeat(70) },
    });
    expect(issues).toEqual([
      {
        path: "type",
        message: 'Invalid option: expected one of "person.upserted"|"person.deactivated"',
      },
      { path: "account_id", message: "Invalid input: expected number, received string" },
      {
        path: "person.first_name",
        message: "Too big: expected string to have <=200 characters",
      },
      {
        path: "person.last_modified",
        message: "Invalid input: expected string, received undefined",
      },
    ]);
    expect(JSON.stringify(issues)).not.toContain("AnnAnn");
  });

  it("keep the contracts' own wording where they set one", () => {
    const issues = issuesOf({
      type: "person.upserted",
      occurred_at: "2026-01-01T00:00:00Z",
      account_id: 7,
      property_id: "not-a-guid",
      person: { person_id: GUID, status: "prospect", last_modified: "2026-01-01T00:00:00Z" },
    });
    expect(issues).toEqual([{ path: "property_id", message: "must be a GUID" }]);
  });
});
