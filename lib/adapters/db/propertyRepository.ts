/**
 * Properties as the sync path sees them: the row plus its merge strategy.
 */
import { and, eq, isNull, or, type SQL, sql } from "drizzle-orm";
import type { PropertyContext, PropertyStore, ResmanPropertyRef } from "../../app/ports.js";
import { InvalidInputError } from "../../domain/errors.js";
import { isGuid } from "../../domain/person.js";
import {
  DEFAULT_MATCHING_CRITERIA,
  type MatchingCriteria,
  parseMatchingCriteria,
} from "../../domain/rules.js";
import { DEFAULT_MERGE_STRATEGY } from "../../domain/survivorship.js";
import type { Database } from "./client.js";
import { toStoreError } from "./errors.js";
import { contactMatchingRules, property } from "./schema.js";

/**
 * Stored criteria when they validate; the defaults otherwise (an empty document, or one written
 * around `rules set` that fails validation — `rules get` reports it as invalid).
 */
function criteriaOrDefaults(stored: Record<string, unknown> | null): MatchingCriteria {
  if (stored === null || Object.keys(stored).length === 0) return DEFAULT_MATCHING_CRITERIA;
  const parsed = parseMatchingCriteria(stored);
  return parsed.ok ? parsed.criteria : DEFAULT_MATCHING_CRITERIA;
}

/**
 * The context `ensureResmanProperty(ref)` gives a property it creates, before it exists (no id
 * yet): an import prepares its rows with it and creates the property at the first row it syncs.
 */
export function newResmanPropertyContext(ref: ResmanPropertyRef): PropertyContext {
  return {
    id: "",
    name: ref.name ?? `ResMan property ${ref.resmanPropertyId}`,
    resmanPropertyId: ref.resmanPropertyId,
    resmanAccountId: ref.resmanAccountId ?? null,
    countryCode: String(property.countryCode.default),
    officePhone: ref.officePhone ?? null,
    mergeStrategy: DEFAULT_MERGE_STRATEGY,
    matchingCriteria: DEFAULT_MATCHING_CRITERIA,
  };
}

export class DrizzlePropertyStore implements PropertyStore {
  constructor(private readonly db: Database) {}

  private async contexts(where: SQL | undefined): Promise<PropertyContext[]> {
    const rows = await this.db
      .select({
        property,
        mergeStrategy: contactMatchingRules.mergeStrategy,
        criteria: contactMatchingRules.matchingCriteria,
      })
      .from(property)
      .leftJoin(contactMatchingRules, eq(contactMatchingRules.propertyId, property.id))
      .where(where)
      .orderBy(property.createdAt);
    return rows.map(({ property: p, mergeStrategy, criteria }) => ({
      id: p.id,
      name: p.name,
      resmanPropertyId: p.resmanPropertyId,
      resmanAccountId: p.resmanAccountId,
      countryCode: p.countryCode,
      officePhone: p.officePhone,
      mergeStrategy: mergeStrategy ?? DEFAULT_MERGE_STRATEGY,
      matchingCriteria: criteriaOrDefaults(criteria),
    }));
  }

  async findProperty(idOrResmanId: string): Promise<PropertyContext | null> {
    if (!isGuid(idOrResmanId)) return null;
    try {
      const found = await this.contexts(
        or(eq(property.resmanPropertyId, idOrResmanId), eq(property.id, idOrResmanId)),
      );
      // A ResMan property id wins over an internal id that happens to be equal.
      return found.find((p) => p.resmanPropertyId === idOrResmanId) ?? found[0] ?? null;
    } catch (error) {
      throw toStoreError(error, "find property");
    }
  }

  async ensureResmanProperty(ref: ResmanPropertyRef): Promise<PropertyContext> {
    if (!isGuid(ref.resmanPropertyId)) {
      throw new InvalidInputError("the ResMan property id must be a GUID", [
        { path: "property", message: "must be a GUID" },
      ]);
    }
    const account = ref.resmanAccountId ?? null;
    try {
      let [found] = await this.contexts(eq(property.resmanPropertyId, ref.resmanPropertyId));
      if (found === undefined) {
        // Two importers may race to create the same property: the unique GUID settles it.
        await this.db
          .insert(property)
          .values({
            name: newResmanPropertyContext(ref).name,
            officePhone: ref.officePhone ?? null,
            resmanPropertyId: ref.resmanPropertyId,
            resmanAccountId: account,
          })
          .onConflictDoNothing();
        [found] = await this.contexts(eq(property.resmanPropertyId, ref.resmanPropertyId));
        if (found === undefined) throw new Error("property missing after insert");
      }
      if (account === null || found.resmanAccountId === account) return found;
      if (found.resmanAccountId !== null) {
        throw new InvalidInputError(
          `property ${ref.resmanPropertyId} belongs to ResMan account ${found.resmanAccountId}, not ${account}`,
          [{ path: "account", message: "does not match the property's account" }],
        );
      }
      // First time the account is known: record it (only if still unknown, so racing
      // importers with different accounts cannot both win).
      const updated = await this.db
        .update(property)
        .set({ resmanAccountId: account, updatedAt: sql`now()` })
        .where(and(eq(property.id, found.id), isNull(property.resmanAccountId)))
        .returning({ id: property.id });
      if (updated.length === 0) return this.ensureResmanProperty(ref);
      return { ...found, resmanAccountId: account };
    } catch (error) {
      throw toStoreError(error, "ensure property");
    }
  }
}
