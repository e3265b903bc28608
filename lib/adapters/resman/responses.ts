/**
 * Reading a ResMan answer body: JSON parsed and checked against the documented envelope
 * (docs/resman.md), loosely: unknown fields are ignored and the records inside are left to the
 * mapping (`lib/domain/resmanRecords.ts`), which judges each one on its own. A body that is not
 * JSON, or lacks the envelope, is a `ResmanResponseError`; a v1 envelope whose `Status` is not
 * `Success` is a `ResmanApiError` (`expectSuccess`), even on HTTP 200.
 */
import * as z from "../../domain/zod.js";
import { zodIssues } from "../../domain/zodIssues.js";
import { ResmanApiError, type ResmanCall, ResmanResponseError } from "./errors.js";

/** A list of records: objects of unknown fields (`null` read as none). */
const records = z.pipe(
  z.nullable(z.array(z.looseObject({}))),
  z.transform((list) => list ?? []),
);

/** v2 `GET /Prospects`. */
export const v2ProspectsBody = z.looseObject({ prospects: records });
/** v2 `GET /Leasing/Leases`. */
export const v2LeasesBody = z.looseObject({ leases: records });
/** v2 `GET /CreditReporting/Residents`. */
export const v2ResidentsBody = z.looseObject({ people: records });

/** The v1 JSON envelope; `People` is checked once `Status` says `Success`. */
export const v1JsonEnvelope = z.looseObject({
  Status: z.string(),
  ErrorDescription: z.nullish(z.string()),
});
/** v1 `Leasing/GetApplicantsAndCurrentResidents` after a `Success`. */
export const v1RosterBody = z.looseObject({ People: z.optional(records) });
/** v1 `Leasing/GetProspectSources` after a `Success`. */
export const v1ProspectSourcesBody = z.looseObject({ ProspectSources: z.optional(records) });
/** v1 `Leasing/GetEmployees` after a `Success`. */
export const v1EmployeesBody = z.looseObject({ Employees: z.optional(records) });

/** The v1 XML envelope (`<ResMan><Status>…`), as fast-xml-parser reads it. */
export const v1XmlEnvelope = z.looseObject({
  ResMan: z.looseObject({
    Status: z.string(),
    ErrorDescription: z.optional(z.unknown()),
    Response: z.optional(z.unknown()),
  }),
});

/** `body` parsed as JSON and checked against `schema`. */
export function parseJsonBody<T>(call: ResmanCall, body: string, schema: z.ZodMiniType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new ResmanResponseError(call, 200, "response is not JSON", [], { cause: error });
  }
  return checkBody(call, json, schema);
}

/** An already parsed body checked against `schema`. */
export function checkBody<T>(call: ResmanCall, body: unknown, schema: z.ZodMiniType<T>): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ResmanResponseError(
      call,
      200,
      "response is not the documented shape",
      zodIssues(parsed.error, { limit: 5 }),
    );
  }
  return parsed.data;
}

/**
 * Fails unless a v1 envelope says `Success`: `ResmanApiError` with ResMan's `ErrorDescription`
 * made safe by `detail` (the transport's, which blanks the credentials).
 */
export function expectSuccess(
  call: ResmanCall,
  status: string,
  description: unknown,
  detail: (text: string | undefined) => string | undefined,
): void {
  if (status.trim().toLowerCase() === "success") return;
  const text = typeof description === "string" ? description : undefined;
  // The status word is ResMan's, not ours: shown only when it is a plain word ("Error").
  const word = /^[A-Za-z][A-Za-z _]{0,19}$/u.test(status) ? status : "not Success";
  throw new ResmanApiError(call, 200, `HTTP 200 with Status "${word}"`, detail(text));
}
