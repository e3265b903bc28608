/**
 * Mapping between `"user"` / `contact_sync` rows and the domain's contact and link shapes.
 */
import type { Contact, ContactValues } from "../../domain/contact.js";
import { type PersonStatus, phoneTypes } from "../../domain/person.js";
import type { ContactWrite, LinkState } from "../../domain/syncDecision.js";
import type { contactSync, StoredPhone, user } from "./schema.js";

type UserRow = typeof user.$inferSelect;
type ContactSyncRow = typeof contactSync.$inferSelect;

/** A contact row, with the ResMan statuses of its links other than the one being synced. */
export function contactFromRow(row: UserRow, linkedStatuses: PersonStatus[] = []): Contact {
  const phones: ContactValues["phones"] = {};
  for (const phone of row.phones) phones[phone.type] ??= { raw: phone.raw, e164: phone.e164 };
  const address =
    (row.addressLine1 ?? row.addressLine2 ?? row.city ?? row.state ?? row.postalCode)
      ? {
          line1: row.addressLine1,
          line2: row.addressLine2,
          city: row.city,
          state: row.state,
          postalCode: row.postalCode,
        }
      : null;
  return {
    id: row.id,
    kind: row.kind,
    values: {
      firstName: row.firstName,
      middleName: row.middleName,
      lastName: row.lastName,
      email: row.email,
      phones,
      dateOfBirth: row.dateOfBirth,
      address,
      isDependent: row.isDependent,
    },
    sources: row.fieldSources,
    versions: row.fieldVersions ?? {},
    keys: { email: row.emailKey, phones: row.phoneKeys, nameDob: row.nameDobKey },
    blockKeys: row.blockKeys ?? [],
    secondary: {
      emails: row.secondary?.emails ?? [],
      phones: (row.secondary?.phones ?? []).map((p) => ({ raw: p.raw, e164: p.e164 })),
      ...(row.secondary?.variants?.length ? { variants: row.secondary.variants } : {}),
    },
    linkedStatuses,
    createdAt: row.createdAt ?? new Date(0),
  };
}

/** The columns a contact write sets: all but its id, property, merge, version and times. */
export type ContactColumns = Omit<
  UserRow,
  "id" | "propertyId" | "mergedIntoId" | "version" | "createdAt" | "updatedAt"
>;

/** Column values of a contact write (everything but id, property and timestamps). */
export function contactColumns(write: ContactWrite): ContactColumns {
  const { values } = write;
  // In type order, whatever order the types were filled in.
  const phones: StoredPhone[] = phoneTypes.flatMap((type) => {
    const phone = values.phones[type];
    return phone === undefined ? [] : [{ type, raw: phone.raw, e164: phone.e164 }];
  });
  return {
    firstName: values.firstName,
    middleName: values.middleName,
    lastName: values.lastName,
    email: values.email,
    phones,
    dateOfBirth: values.dateOfBirth,
    addressLine1: values.address?.line1 ?? null,
    addressLine2: values.address?.line2 ?? null,
    city: values.address?.city ?? null,
    state: values.address?.state ?? null,
    postalCode: values.address?.postalCode ?? null,
    isDependent: values.isDependent,
    kind: write.kind,
    emailKey: write.keys.email,
    phoneKeys: write.keys.phones,
    nameDobKey: write.keys.nameDob,
    blockKeys: write.blockKeys,
    secondary: {
      emails: write.secondary.emails,
      phones: write.secondary.phones.map((p) => ({ raw: p.raw, e164: p.e164 })),
      ...(write.secondary.variants?.length ? { variants: write.secondary.variants } : {}),
    },
    fieldSources: write.sources,
    fieldVersions: write.versions,
  };
}

export function linkFromRow(row: ContactSyncRow): LinkState | null {
  if (row.userId === null) return null;
  return {
    id: row.id,
    contactId: row.userId,
    status: row.syncStatus ?? "pending",
    sourceUpdatedAt: row.sourceUpdatedAt,
    sourceHash: row.sourceHash,
    resmanStatus: row.resmanStatus as PersonStatus | null,
    matchScore: row.matchScore,
    evidence: row.matchEvidence,
  };
}
