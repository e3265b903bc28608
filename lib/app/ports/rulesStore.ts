import type { MatchingCriteria } from "../../domain/rules.js";
import type { MergeStrategy } from "../../domain/survivorship.js";

/** A property's stored rules row, as stored (criteria not yet validated). */
export interface PropertyRules {
  matchingCriteria: Record<string, unknown>;
  mergeStrategy: MergeStrategy | null;
}

export interface RulesStore {
  /** The property's rules row, or null when it has none (defaults apply). */
  getRules(propertyId: string): Promise<PropertyRules | null>;
  /** Creates or updates the row; what is not given stays as it was. */
  setRules(
    propertyId: string,
    change: {
      criteria?: MatchingCriteria | undefined;
      strategy?: MergeStrategy | undefined;
    },
  ): Promise<void>;
}
