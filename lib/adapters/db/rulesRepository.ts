/** A property's matching rules row (`contact_matching_rules`) on Postgres (any driver). */
import { eq, sql } from "drizzle-orm";
import type { PropertyRules, RulesStore } from "../../app/ports.js";
import type { MatchingCriteria } from "../../domain/rules.js";
import type { MergeStrategy } from "../../domain/survivorship.js";
import type { Database } from "./client.js";
import { toStoreError } from "./errors.js";
import { contactMatchingRules } from "./schema.js";

export class DrizzleRulesStore implements RulesStore {
  constructor(private readonly db: Database) {}

  async getRules(propertyId: string): Promise<PropertyRules | null> {
    try {
      const [row] = await this.db
        .select()
        .from(contactMatchingRules)
        .where(eq(contactMatchingRules.propertyId, propertyId));
      if (row === undefined) return null;
      return { matchingCriteria: row.matchingCriteria, mergeStrategy: row.mergeStrategy };
    } catch (error) {
      throw toStoreError(error, "read rules");
    }
  }

  async setRules(
    propertyId: string,
    change: { criteria?: MatchingCriteria | undefined; strategy?: MergeStrategy | undefined },
  ): Promise<void> {
    const set = {
      ...(change.criteria === undefined ? {} : { matchingCriteria: change.criteria }),
      ...(change.strategy === undefined ? {} : { mergeStrategy: change.strategy }),
      updatedAt: sql`now()`,
    };
    try {
      await this.db
        .insert(contactMatchingRules)
        .values({
          propertyId,
          // A new row without criteria stores an empty object: "use the defaults".
          matchingCriteria: change.criteria ?? {},
          mergeStrategy: change.strategy ?? null,
        })
        .onConflictDoUpdate({ target: contactMatchingRules.propertyId, set });
    } catch (error) {
      throw toStoreError(error, "write rules");
    }
  }
}
