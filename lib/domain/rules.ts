/**
 * Matching rules: what `contact_matching_rules.matching_criteria` may hold, validated by zod,
 * and the built-in defaults a property without a row uses.
 *
 * The scorer (`scoring.ts`) is Fellegi–Sunter style: each compared field lands in one
 * comparison level, and each level carries a weight, the log2 of how much more often that level
 * occurs between records of the same person (m) than between records of different people (u).
 * The weights add up to a score; two thresholds cut it into three outcomes: auto-merge, review,
 * or a new contact. Missing values weigh 0 (no evidence either way).
 */
import * as z from "zod";

/** A weight in log2 units (bits of evidence). */
const weight = z.number().min(-40).max(40);

const nameRule = z
  .object({
    exact: weight,
    nickname: weight.optional(),
    similar_high: weight,
    similar: weight,
    phonetic: weight,
    disagree: weight,
  })
  .strict();

const dateRule = z
  .object({
    exact: weight,
    /** Day and month swapped, or one digit wrong: a typing error, not another person. */
    near: weight,
    /** Only the year agrees, or only day and month: weak. */
    partial: weight,
    disagree: weight,
  })
  .strict();

const identifierRule = z
  .object({
    exact: weight,
    /** The value is held by more people than `shared_value_limit` (an office, a household). */
    shared: weight,
    disagree: weight,
  })
  .strict();

const addressRule = z
  .object({
    /** Street number and postal code agree (and the street, when both have one). */
    exact: weight,
    /** Only the postal code (or only the street) agrees. */
    partial: weight,
    disagree: weight,
  })
  .strict();

export const matchingCriteriaSchema = z
  .object({
    version: z.literal(1),
    thresholds: z
      .object({
        /** At or above: merge without asking. */
        auto_merge: z.number().min(-100).max(200),
        /** At or above (and below `auto_merge`): a review item. Below: a new contact. */
        review: z.number().min(-100).max(200),
      })
      .strict()
      .refine((t) => t.review <= t.auto_merge, {
        message: "review must not be above auto_merge",
        path: ["review"],
      }),
    /** Jaro–Winkler cut-offs of the two "similar" levels of names. */
    similarity: z
      .object({ high: z.number().min(0).max(1), low: z.number().min(0).max(1) })
      .strict()
      .refine((s) => s.low <= s.high, { message: "low must not be above high", path: ["low"] }),
    /** An email or phone held by more than this many contacts of the property is weak evidence. */
    shared_value_limit: z.number().int().min(1).max(1000),
    fields: z
      .object({
        first_name: nameRule,
        last_name: nameRule,
        date_of_birth: dateRule,
        email: identifierRule,
        phone: identifierRule,
        address: addressRule,
      })
      .strict(),
  })
  .strict();

export type MatchingCriteria = z.infer<typeof matchingCriteriaSchema>;

/**
 * The defaults, in bits. Sources of the m/u reasoning: a same-person pair agrees on an exact
 * email or phone almost always when both are present, a random pair of a property's contacts
 * almost never (u ~ 1/10,000), so a shared key is strong evidence; a first name is shared by
 * ~1 % of random pairs, a surname by ~0.2 %; a birth date by ~1/25,000. Disagreements are
 * weighted less than agreements for emails, phones and addresses (people hold several and
 * move), strongly for first names and birth dates (the household guard's reasoning).
 * These are the values the quality benchmark measures; tune only them, for every property.
 */
export const DEFAULT_MATCHING_CRITERIA: MatchingCriteria = {
  version: 1,
  thresholds: { auto_merge: 14, review: 8 },
  similarity: { high: 0.94, low: 0.88 },
  shared_value_limit: 3,
  fields: {
    first_name: {
      exact: 6.5,
      nickname: 5,
      similar_high: 4.5,
      similar: 2.5,
      phonetic: 2,
      disagree: -6,
    },
    last_name: {
      exact: 8.5,
      similar_high: 6,
      similar: 3.5,
      phonetic: 3,
      disagree: -6,
    },
    date_of_birth: { exact: 12, near: 5, partial: 1, disagree: -7 },
    email: { exact: 13, shared: 2, disagree: -2 },
    phone: { exact: 12, shared: 2, disagree: -2 },
    address: { exact: 6, partial: 2, disagree: -1 },
  },
};

/** A rules document that failed validation: every issue with its path. */
export interface RulesIssue {
  path: string;
  message: string;
}

/**
 * Validates stored or submitted criteria. Returns the criteria, or the issues (paths such as
 * `fields.email.exact`, never the offending values).
 */
export function parseMatchingCriteria(
  value: unknown,
): { ok: true; criteria: MatchingCriteria } | { ok: false; issues: RulesIssue[] } {
  const parsed = matchingCriteriaSchema.safeParse(value);
  if (parsed.success) return { ok: true, criteria: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => ({
      path: issue.path.join("."),
      message: issue.message,
    })),
  };
}
