/**
 * Reading and changing a property's matching rules (`contact-sync rules get|set`). Both the
 * merge strategy and the (validated) matching criteria take effect at once: the sync path and
 * chatbot enrichment read them with the property. A rules file is either what `rules get`
 * prints (edited or not) or bare matching criteria.
 */

import { InvalidInputError } from "../domain/errors.js";
import {
  DEFAULT_MATCHING_CRITERIA,
  type MatchingCriteria,
  parseMatchingCriteria,
  type RulesIssue,
  rulesIssues,
} from "../domain/rules.js";
import {
  DEFAULT_MERGE_STRATEGY,
  type MergeStrategy,
  mergeStrategies,
} from "../domain/survivorship.js";
import * as z from "../domain/zod.js";
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
  throw invalid("invalid matching criteria", parsed.issues, document);
}

/** Whether `document` holds nothing at `path` (`thresholds.review`). */
function absentAt(document: unknown, path: string): boolean {
  let at: unknown = document;
  for (const key of path.split(".")) {
    if (typeof at !== "object" || at === null || !Object.hasOwn(at, key)) return true;
    at = (at as Record<string, unknown>)[key];
  }
  return at === undefined;
}

/**
 * One line naming the first issue's path (never the value) and how many more there are; when
 * every issue is a setting left out (a file holding only the settings to change), the settings
 * missing, since criteria are replaced whole.
 */
function invalid(
  what: string,
  issues: readonly RulesIssue[],
  document: unknown,
): InvalidInputError {
  const missing = issues.map((issue) => issue.path).filter((path) => absentAt(document, path));
  if (missing.length > 0 && missing.length === issues.length) {
    const listed =
      missing.length === 1
        ? missing[0]
        : `${missing.slice(0, -1).join(", ")} and ${missing.at(-1)}`;
    return new InvalidInputError(
      `${what}: missing ${listed} (criteria are replaced whole: edit what \`rules get\` prints)`,
      issues,
    );
  }
  const [first] = issues;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return new InvalidInputError(
    `${what}: ${first?.path || "(document)"}: ${first?.message ?? "invalid"}${more}`,
    issues,
  );
}

/**
 * What `rules get` prints. `merge_strategy` and `matching_criteria` are what a file sets; the
 * other fields describe the property and where its rules came from: accepted and ignored, so
 * that the output of `rules get` (edited or not) can be given back to `rules set`. Any other key
 * is a mistake.
 */
const rulesDocumentSchema = z.strictObject({
  property_id: z.optional(z.unknown()),
  resman_property_id: z.optional(z.unknown()),
  merge_strategy: z.optional(z.enum(mergeStrategies)),
  merge_strategy_source: z.optional(z.unknown()),
  matching_criteria_source: z.optional(z.unknown()),
  matching_criteria_issues: z.optional(z.unknown()),
  matching_criteria: z.optional(z.unknown()),
});

const rulesDocumentKeys = Object.keys(rulesDocumentSchema.shape);

/** What a rules file sets: validated criteria and/or a merge strategy. */
export interface RulesFileChange {
  criteria?: MatchingCriteria;
  strategy?: MergeStrategy;
}

/**
 * A rules file (`rules set --file`), validated: the whole output of `rules get` (a JSON object
 * with any of its keys) sets its `matching_criteria` and `merge_strategy`; anything else is bare
 * matching criteria (the shape `rules get` prints under `matching_criteria`). A document with
 * neither sets nothing (`{}`). An `InvalidInputError` names the first bad path
 * (`matching_criteria.fields.email.exact`, an unknown key, …), never the value.
 */
export function rulesFileChange(document: unknown): RulesFileChange {
  const isRulesDocument =
    typeof document === "object" &&
    document !== null &&
    !Array.isArray(document) &&
    rulesDocumentKeys.some((key) => Object.hasOwn(document, key));
  if (!isRulesDocument) return { criteria: validCriteria(document) };
  const parsed = rulesDocumentSchema.safeParse(document);
  const issues = parsed.success ? [] : rulesIssues(parsed.error);
  const criteria = (document as { matching_criteria?: unknown }).matching_criteria;
  const checked = criteria === undefined ? null : parseMatchingCriteria(criteria);
  if (checked !== null && !checked.ok) {
    issues.push(
      ...checked.issues.map((issue) => ({
        path: issue.path === "" ? "matching_criteria" : `matching_criteria.${issue.path}`,
        message: issue.message,
      })),
    );
  }
  if (!parsed.success || (checked !== null && !checked.ok)) {
    throw invalid("invalid rules file", issues, document);
  }
  const change: RulesFileChange = {};
  if (checked?.ok) change.criteria = checked.criteria;
  if (parsed.data.merge_strategy !== undefined) change.strategy = parsed.data.merge_strategy;
  return change;
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
