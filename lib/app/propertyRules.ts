/**
 * Reading and changing a property's matching rules (`contact-sync rules get|set`). Both the
 * merge strategy and the (validated) matching criteria take effect at once: the sync path and
 * chatbot enrichment read them with the property.
 */
import { InvalidInputError } from "../domain/errors.js";
import {
  DEFAULT_MATCHING_CRITERIA,
  type MatchingCriteria,
  parseMatchingCriteria,
  type RulesIssue,
} from "../domain/rules.js";
import { DEFAULT_MERGE_STRATEGY, type MergeStrategy } from "../domain/survivorship.js";
import type { PropertyStore, RulesStore } from "./ports.js";

export interface RulesView {
  propertyId: string;
  resmanPropertyId: string | null;
  mergeStrategy: MergeStrategy;
  mergeStrategySource: "stored" | "default";
  matchingCriteria: MatchingCriteria;
  /** `invalid`: the stored criteria fail validation (written outside this command); defaults apply. */
  matchingCriteriaSource: "stored" | "defaults" | "invalid";
  /** Why stored criteria are invalid (paths and reasons). */
  issues: RulesIssue[];
}

interface RulesDependencies {
  properties: Pick<PropertyStore, "findProperty">;
  rules: RulesStore;
}

/** The property named by its ResMan GUID or contact-sync id; an `InvalidInputError` when unknown. */
export async function propertyOf(
  deps: { properties: Pick<PropertyStore, "findProperty"> },
  property: string,
) {
  const found = await deps.properties.findProperty(property);
  if (found === null) throw new InvalidInputError(`no property ${property}`);
  return found;
}

/** The rules a property runs with, and where each part comes from. */
export async function showRules(deps: RulesDependencies, property: string): Promise<RulesView> {
  const found = await propertyOf(deps, property);
  const stored = await deps.rules.getRules(found.id);
  const criteria = stored?.matchingCriteria ?? {};
  const empty = Object.keys(criteria).length === 0;
  const parsed = empty ? null : parseMatchingCriteria(criteria);
  return {
    propertyId: found.id,
    resmanPropertyId: found.resmanPropertyId,
    mergeStrategy: stored?.mergeStrategy ?? DEFAULT_MERGE_STRATEGY,
    mergeStrategySource: stored?.mergeStrategy ? "stored" : "default",
    matchingCriteria: parsed?.ok ? parsed.criteria : DEFAULT_MATCHING_CRITERIA,
    matchingCriteriaSource: parsed === null ? "defaults" : parsed.ok ? "stored" : "invalid",
    issues: parsed !== null && !parsed.ok ? parsed.issues : [],
  };
}

/**
 * A matching criteria document (`rules set --file`, `rules simulate --file`), validated: an
 * `InvalidInputError` names the first bad path (never the value) and how many more there are.
 */
export function validCriteria(document: unknown): MatchingCriteria {
  const parsed = parseMatchingCriteria(document);
  if (parsed.ok) return parsed.criteria;
  const [first] = parsed.issues;
  const more = parsed.issues.length > 1 ? ` (and ${parsed.issues.length - 1} more)` : "";
  throw new InvalidInputError(
    `invalid matching criteria: ${first?.path || "(document)"}: ${first?.message ?? "invalid"}${more}`,
    parsed.issues,
  );
}

/**
 * Validates and stores new criteria and/or a merge strategy. Invalid criteria write nothing and
 * fail with an `InvalidInputError` whose issues point at the bad paths.
 */
export async function updateRules(
  deps: RulesDependencies,
  property: string,
  change: { criteria?: unknown; strategy?: MergeStrategy | undefined },
): Promise<RulesView> {
  const criteria = change.criteria === undefined ? undefined : validCriteria(change.criteria);
  const found = await propertyOf(deps, property);
  await deps.rules.setRules(found.id, { criteria, strategy: change.strategy });
  return showRules(deps, found.id);
}
