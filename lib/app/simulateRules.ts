/**
 * Simulating other matching criteria on a property (`contact-sync rules simulate`): the
 * proposal is validated as `rules set` validates it, the property's stored decisions are read
 * (links with their evidence, review items) and re-scored in pure code (`ruleSimulation.ts`).
 * Nothing is written.
 */
import type { RuleSimulation, StoredDecision } from "../domain/ruleSimulation.js";
import { simulateRules } from "../domain/ruleSimulation.js";
import type { PropertyStore } from "./ports.js";
import { propertyOf, validCriteria } from "./propertyRules.js";

/** A property's stored decisions, and how many links it has (failed ones and placeholders too). */
export interface StoredDecisions {
  decisions: StoredDecision[];
  links: number;
}

/** Reads what a simulation re-scores; never writes. */
export interface DecisionStore {
  /**
   * Every ResMan link of the property that has a contact (with its stored evidence, its open
   * review item and whether a reviewer decided it), every open review item of a chatbot lead,
   * and the count of all the property's links.
   */
  readDecisions(propertyId: string): Promise<StoredDecisions>;
}

export interface SimulationDependencies {
  properties: Pick<PropertyStore, "findProperty">;
  decisions: DecisionStore;
}

export interface RuleSimulationView extends RuleSimulation {
  propertyId: string;
  resmanPropertyId: string | null;
}

/**
 * Re-scores `property`'s stored decisions under `criteria` (an unvalidated document, as read
 * from a file). Invalid criteria fail with an `InvalidInputError` naming the first bad path,
 * before the database is read; an unknown property with an `InvalidInputError` too.
 */
export async function simulatePropertyRules(
  deps: SimulationDependencies,
  input: { property: string; criteria: unknown },
): Promise<RuleSimulationView> {
  const proposed = validCriteria(input.criteria);
  const found = await propertyOf(deps, input.property);
  const stored = await deps.decisions.readDecisions(found.id);
  return {
    propertyId: found.id,
    resmanPropertyId: found.resmanPropertyId,
    ...simulateRules(stored, found.matchingCriteria, proposed),
  };
}
