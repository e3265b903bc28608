/**
 * What the ResMan stand-in's admin operations take, as zod schemas (the same checks in process
 * and over HTTP), and the error they throw. Stamps (`lastModified`) are ISO-8601 instants (no
 * zone means UTC); dates (`birthdate`, `moveOutDate`) are `YYYY-MM-DD`. In a patch, null clears
 * a value. New records take their ids from the stand-in's seeded stream unless the input names
 * them (`personId`, `prospectId`: a GUID no record holds yet), so a script can replay the same
 * records with the same ids whatever else was added before.
 */
import * as z from "zod";
import { isGuid } from "../../domain/person.js";
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

const text = z.string().max(200);
const stamp = z.string().refine((value) => parseInstant(value) !== null, "must be ISO-8601");
const calendarDate = z.string().refine(isCalendarDate, "must be a date YYYY-MM-DD");
/** A record's own id, given: a GUID, kept lower case as the stand-in's ids are. */
const givenId = z
  .string()
  .refine(isGuid, "must be a GUID")
  .transform((id) => id.toLowerCase());

export const personInputSchema = z.strictObject({
  /** Default: the next id of the stand-in's stream. */
  personId: givenId.optional(),
  firstName: text,
  middleName: text.optional(),
  lastName: text,
  email: text.optional(),
  /** The primary number, of type `phoneType` (default Mobile). */
  phone: text.optional(),
  phoneType: z.enum(stubPhoneTypes).optional(),
  mobilePhone: text.optional(),
  homePhone: text.optional(),
  workPhone: text.optional(),
  birthdate: calendarDate.optional(),
  isDependent: z.boolean().optional(),
});
export type PersonInput = z.input<typeof personInputSchema>;
/** A person input once validated. */
export type PersonFields = z.output<typeof personInputSchema>;

export const personPatchSchema = z.strictObject({
  firstName: text.optional(),
  middleName: text.nullable().optional(),
  lastName: text.optional(),
  email: text.nullable().optional(),
  /** Sets (or with null removes) the number of type `phoneType` (default: the primary's type). */
  phone: text.nullable().optional(),
  /** With `phone`, its type; alone, which number is the primary. */
  phoneType: z.enum(stubPhoneTypes).optional(),
  mobilePhone: text.nullable().optional(),
  homePhone: text.nullable().optional(),
  workPhone: text.nullable().optional(),
  birthdate: calendarDate.nullable().optional(),
  isDependent: z.boolean().optional(),
});
export type PersonPatch = z.input<typeof personPatchSchema>;

export const stampOptionsSchema = z.strictObject({ lastModified: stamp.optional() });
export type StampOptions = z.input<typeof stampOptionsSchema>;

export const moveOutOptionsSchema = z.strictObject({
  lastModified: stamp.optional(),
  /** Default: the stamp's date. */
  moveOutDate: calendarDate.optional(),
});
export type MoveOutOptions = z.input<typeof moveOutOptionsSchema>;

export const prospectInputSchema = z.strictObject({
  /** Default: the next id of the stand-in's stream. */
  prospectId: givenId.optional(),
  people: z.array(personInputSchema).min(1).max(20),
  /** Default Prospect. No lease is made for Applicant or Resident. */
  status: z.enum(prospectStatuses).optional(),
  lastModified: stamp.optional(),
});
export type ProspectInput = z.input<typeof prospectInputSchema>;

export const residentInputSchema = personInputSchema.extend({
  /** Default: a new unit number (9001, 9002, …). Ignored when joining `leaseId`. */
  unit: text.optional(),
  /** Join this lease instead of starting a new one. */
  leaseId: z.string().optional(),
  /** Default Current; Pending or Approved make an applicant (a Pending lease). */
  residencyStatus: z.enum(["Current", "Notice to Vacate", "Pending", "Approved"]).optional(),
  /** Default: the stamp's date. */
  moveInDate: calendarDate.optional(),
});
export type ResidentInput = z.input<typeof residentInputSchema>;

/** Parses an admin input, or throws a 400 `StubAdminError` naming the first issues. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`);
  throw new StubAdminError(400, issues.join("; "));
}
