/**
 * Person records made or changed by the ResMan stand-in's admin operations: a new person from a
 * validated `PersonInput`, and a validated `PersonPatch` applied to a person. The primary phone
 * is `phone` of type `phoneType`; `mobilePhone`, `homePhone` and `workPhone` set the others.
 */
import type * as z from "../../domain/zod.js";
import type { personInputSchema, personPatchSchema } from "./adminInputs.js";
import type { StubPerson, StubPhoneType } from "./model.js";

/** Sets (or, with null or "", removes) one of a person's numbers. */
function setPhone(person: StubPerson, type: StubPhoneType, number: string | null): void {
  if (number === null || number.trim() === "") delete person.phones[type];
  else person.phones[type] = number;
}

const PHONE_FIELDS = [
  ["mobilePhone", "Mobile"],
  ["homePhone", "Home"],
  ["workPhone", "Work"],
] as const;

/** Applies a validated patch: absent fields stay, null clears. */
export function applyPatch(person: StubPerson, patch: z.output<typeof personPatchSchema>): void {
  if (patch.firstName !== undefined) person.firstName = patch.firstName;
  if (patch.middleName !== undefined) person.middleName = patch.middleName;
  if (patch.lastName !== undefined) person.lastName = patch.lastName;
  if (patch.email !== undefined) person.email = patch.email;
  for (const [field, type] of PHONE_FIELDS) {
    const number = patch[field];
    if (number !== undefined) setPhone(person, type, number);
  }
  if (patch.phone !== undefined) {
    const type = patch.phoneType ?? person.phoneType;
    setPhone(person, type, patch.phone);
    person.phoneType = type;
  } else if (patch.phoneType !== undefined) {
    person.phoneType = patch.phoneType;
  }
  if (patch.birthdate !== undefined) person.birthdate = patch.birthdate;
  if (patch.isDependent !== undefined) person.isDependent = patch.isDependent;
}

/** A new person (not yet added to the data) from a validated input. */
export function personFromInput(
  ids: { personId: string; propertyId: string },
  fields: z.output<typeof personInputSchema>,
): StubPerson {
  const person: StubPerson = {
    ...ids,
    firstName: fields.firstName,
    middleName: fields.middleName ?? null,
    lastName: fields.lastName,
    email: fields.email ?? null,
    phones: {},
    phoneType: fields.phoneType ?? "Mobile",
    birthdate: fields.birthdate ?? null,
    isDependent: fields.isDependent ?? false,
  };
  for (const [field, type] of PHONE_FIELDS) setPhone(person, type, fields[field] ?? null);
  if (fields.phone !== undefined) setPhone(person, person.phoneType, fields.phone);
  else if (fields.phoneType === undefined) {
    person.phoneType = (Object.keys(person.phones)[0] as StubPhoneType | undefined) ?? "Mobile";
  }
  return person;
}
