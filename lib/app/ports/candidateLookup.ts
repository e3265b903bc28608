import type { MatchKeys } from "../../domain/contact.js";

/**
 * How candidate contacts are found: by blocking keys (`lib/domain/blocking.ts`), and by the
 * exact keys for contacts written before blocking keys existed.
 */
export interface CandidateLookup {
  keys: MatchKeys;
  blocks: readonly string[];
  /**
   * Keys whose holders are only counted (`countedKeys`: the person's dwelling, building, street
   * and postal code), so that an agreement on what many contacts share weighs little.
   */
  counted?: readonly string[];
}
