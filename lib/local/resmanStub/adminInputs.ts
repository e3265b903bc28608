/**
 * What the ResMan stand-in's admin operations take, as zod schemas (the same checks in process
 * and over HTTP), and the error they throw. Stamps (`lastModified`) are ISO-8601 instants (no
 * zone means UTC); dates (`birthdate`, `moveOutDate`) are `YYYY-MM-DD`. In a patch, null clears
 * a value. New records take their ids from the stand-in's seeded stream unless the input names
 * them (`personId`, `prospectId`: a GUID no record holds yet), so a script can replay the same
 * records with the same ids whatever else was added before.
 */

import { isGuid } from "../../domain/person.js";
import * as z from "../../domain/zod.js";
import { isCalendarDate, parseInstant } from "./dates.js";
import { prospectStatuses, stubPhoneTypes } from "./model.js";

/** An admin operation refused: 400 bad input, 404 unknown id, 409 not possible in this state. */
export class StubAdminError extends Error {
  override name = "StubAdminError";
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

const text = z.string().check(z.maxLength(200));
const stamp = z
  .string()
  .check(z.refine((value) => parseInstant(value) !== null, "must be ISO-8601"));
const calendarDate = z.string().check(z.refine(isCalendarDate, "must be a date YYYY-MM-DD"));
/** A record's own id, given: a GUID, kept lower case as the stand-in's ids are. */
const givenId = z.pipe(
  z.string().check(z.refine(isGuid, "must be a GUID")),
  z.transform((id) => id.toLowerCase()),
);

export const personInputSchema = z.strictObject({
  /** Default: the next id of the stand-in's stream. */
  personId: z.optional(givenId),
  firstName: text,
  middleName: z.optional(text),
  lastName: text,
  email: z.optional(text),
  /** The primary number, of type `phoneType` (default Mobile). */
  phone: z.optional(text),
  phoneType: z.optional(z.enum(stubPhoneTypes)),
  mobilePhone: z.optional(text),
  homePhone: z.optional(text),
  workPhone: z.optional(text),
  birthdate: z.optional(calendarDate),
  isDependent: z.optional(z.boolean()),
});
export type PersonInput = z.input<typeof personInputSchema>;
/** A person input once validated. */
export type PersonFields = z.output<typeof personInputSchema>;

export const personPatchSchema = z.strictObject({
  firstName: z.optional(text),
  middleName: z.nullish(text),
  lastName: z.optional(text),
  email: z.nullish(text),
  /** Sets (or with null removes) the number of type `phoneType` (default: the primary's type). */
  phone: z.nullish(text),
  /** With `phone`, its type; alone, which number is the primary. */
  phoneType: z.optional(z.enum(stubPhoneTypes)),
  mobilePhone: z.nullish(text),
  homePhone: z.nullish(text),
  workPhone: z.nullish(text),
  birthdate: z.nullish(calendarDate),
  isDependent: z.optional(z.boolean()),
});
export type PersonPatch = z.input<typeof personPatchSchema>;

export const stampOptionsSchema = z.strictObject({ lastModified: z.optional(stamp) });
export type StampOptions = z.input<typeof stampOptionsSchema>;

export const moveOutOptionsSchema = z.strictObject({
  lastModified: z.optional(stamp),
  /** Default: the stamp's date. */
  moveOutDate: z.optional(calendarDate),
});
export type MoveOutOptions = z.input<typeof moveOutOptionsSchema>;

export const prospectInputSchema = z.strictObject({
  /** Default: the next id of the stand-in's stream. */
  prospectId: z.optional(givenId),
  people: z.array(personInputSchema).check(z.minLength(1), z.maxLength(20)),
  /** Default Prospect. No lease is made for Applicant or Resident. */
  status: z.optional(z.enum(prospectStatuses)),
  lastModified: z.optional(stamp),
});
export type ProspectInput = z.input<typeof prospectInputSchema>;

export const residentInputSchema = z.extend(personInputSchema, {
  /** Default: a new unit number (9001, 9002, …). Ignored when joining `leaseId`. */
  unit: z.optional(text),
  /** Join this lease instead of starting a new one. */
  leaseId: z.optional(z.string()),
  /** Default Current; Pending or Approved make an applicant (a Pending lease). */
  residencyStatus: z.optional(z.enum(["Current", "Notice to Vacate", "Pending", "Approved"])),
  /** Default: the stamp's date. */
  moveInDate: z.optional(calendarDate),
});
export type ResidentInput = z.input<typeof residentInputSchema>;

/** Parses an admin input, or throws a 400 `StubAdminError` naming the first issues. */
export function parseInput<S extends z.ZodMiniType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`);
  throw new StubAdminError(400, issues.join("; "));
}
