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
import * as z from "./zod.js";
import { type Issue, zodIssues } from "./zodIssues.js";

/** A weight in log2 units (bits of evidence). */
const weight = z.number().check(z.minimum(-40), z.maximum(40));
/** A similarity cut-off. */
const unitInterval = z.number().check(z.minimum(0), z.maximum(1));

const nameRule = z.strictObject({
  exact: weight,
  nickname: z.optional(weight),
  similar_high: weight,
  similar: weight,
  phonetic: weight,
  disagree: weight,
});

const dateRule = z.strictObject({
  exact: weight,
  /** Day and month swapped, or one digit wrong: a typing error, not another person. */
  near: weight,
  /** Only the year agrees, or only day and month: weak. */
  partial: weight,
  disagree: weight,
});

const identifierRule = z.strictObject({
  exact: weight,
  /** The value is held by more people than `shared_value_limit` (an office, a household). */
  shared: weight,
  /** One typing error apart (`gmial.com`, a digit of a phone): 0 when not given. */
  near: z.optional(weight),
  disagree: weight,
});

const addressRule = z.strictObject({
  /** Street number, street and postal code agree, and the unit (when both have one). */
  exact: weight,
  /** The same with one typo, or two parts equal and the third on one side only. */
  near: z.optional(weight),
  /** Two of street number, street and postal code agree (or the only part both have). */
  partial: weight,
  /**
   * An agreement on a part of the address more than `shared_value_limit` contacts of the
   * property hold (its own postal code, the street of a one-building community): 0 when not
   * given.
   */
  shared: z.optional(weight),
  /** Anything else: another address, another unit of the building, only the postal code. */
  disagree: weight,
});

export const matchingCriteriaSchema = z.strictObject({
  version: z.literal(1),
  thresholds: z
    .strictObject({
      /** At or above: merge without asking. */
      auto_merge: z.number().check(z.minimum(-100), z.maximum(200)),
      /** At or above (and below `auto_merge`): a review item. Below: a new contact. */
      review: z.number().check(z.minimum(-100), z.maximum(200)),
    })
    .check(
      z.refine((t) => t.review <= t.auto_merge, {
        message: "review must not be above auto_merge",
        path: ["review"],
      }),
    ),
  /** Jaro–Winkler cut-offs of the two "similar" levels of names. */
  similarity: z
    .strictObject({ high: unitInterval, low: unitInterval })
    .check(
      z.refine((s) => s.low <= s.high, { message: "low must not be above high", path: ["low"] }),
    ),
  /** An email or phone held by more than this many contacts of the property is weak evidence. */
  shared_value_limit: z.int().check(z.minimum(1), z.maximum(1000)),
  fields: z.strictObject({
    first_name: nameRule,
    last_name: nameRule,
    date_of_birth: dateRule,
    email: identifierRule,
    phone: identifierRule,
    address: addressRule,
  }),
});

export type MatchingCriteria = z.infer<typeof matchingCriteriaSchema>;

/**
 * The defaults, in bits: the same for every property, chosen from m/u reasoning about a
 * property's records and checked against measurements, never fitted to one data set.
 *
 * m is how often a level occurs between two records of one person, u between two records of
 * different people of one property. "Measured" below is log2(m/u) on the benchmark sets (the
 * FEBRL sets 1–3 and the synthetic set, 300,000 random non-matching pairs each); where the
 * measurement is unbounded (u = 0 in the sample) or rests on a generator quirk, the weight
 * follows the reasoning and says so.
 *
 * First name: exact 7 (u ≈ 0.3–0.5 %: measured 7.2–7.7); nickname 6 (measured 8.7 on the
 * synthetic set, FEBRL has none; the table pairs some names people in one family both carry);
 * Jaro–Winkler ≥ 0.94 6 and ≥ 0.88 4 (measured 6.0–7.9 and 3.8–5.7; the lower level also takes
 * a typing error Jaro–Winkler rates below 0.88, one edit near the start of a name: Akren/Karen,
 * measured alone 3.3 on FEBRL3, where Sara/Tara-like pairs of two names are most of u, and 14
 * on the synthetic set; two listed given names are never a typo); sounds alike only 0.5
 * (measured 0.1–1.3: Jon/Jan); disagree −6.5. The measured
 * disagreement is −2.7 to −5.4, but the first name is the one field that tells twins and
 * household members apart, so it is weighted past that: a surname and a birth date alone
 * (twins) must stay below the merge threshold.
 *
 * Last name: exact 8 (u ≈ 0.3–0.7 % in these sets, lower for real surname distributions:
 * measured 6.9–7.8); similar 7 and 5 (measured 6.7–11.8 and 4.4–5.2; the lower level also takes
 * one edit between surnames of four letters or more that Jaro–Winkler rates lower, Ryan/Rysn:
 * measured alone 4.9 to 11.3 — a typo of a common surname agrees with its other bearers as
 * often as the surname itself does); sounds alike 0.5
 * (measured −1.5 to 0.2); disagree −4.5 (measured −3.4 to −6.9): surnames change at marriage,
 * gain or lose a second part, so a disagreement is weaker evidence than a first name's.
 *
 * Date of birth: exact 12 (u ≈ 1/20,000 for adults: 14 bits; measured ≥ 18) held back for
 * twins and for defaults such as 01-01; near (one slip: a digit wrong, two adjacent digits or
 * day and month swapped, the day before or after, the same day a year off) 4 (measured
 * 1.8–4.1); only the year, or only day and month 0
 * (measured −2.3 to −2.1 on FEBRL2–3 since adjacent swaps count as near, −1.0 to −0.7 before;
 * −2 changes no decision on any benchmark set, so 0 stands: no evidence either way); disagree −4
 * (measured −3.9 to −4.2: m ≈ 5–6 % of a person's records carry another date).
 *
 * Email 13 and phone 12: a personal contact point is held by one person (u ≈ 1/10,000 in a
 * property: 13 bits), m ≈ 0.9 when both records carry one. Held by more than
 * `shared_value_limit` contacts (an office, a household) it is a `shared` 2. Disagree −3: in a
 * contact database two cards of one person within one leasing process carry the same email in
 * most cases (m of a different email ≈ 10–15 %: a second address, a typo), u ≈ 1; both the
 * email and the phone differing is rarer still for one person, which the weights (−6 together)
 * and the `contact_points_differ` guard (design §6 invariant 12) say together. An email at a
 * mistyped domain (`gmial.com`, the same mailbox name) is `near` 5: a typo of one address, not
 * another address (the generators make no such pairs between people; names-based local parts
 * one edit apart are not near, `eli.johnson`/`eli.johnston` are two people). A phone one digit
 * off is `near` 0: a typo as often as a neighbouring number in the block a carrier handed out,
 * no evidence either way.
 *
 * Address (as a dwelling, see `comparisons.ts`): exact 7, near (one typo) 6, partial (two of
 * number, street and postal code) 4, disagree −2; `shared` 0 when the part the agreement rests
 * on (the dwelling, the building, the street in its postal code, the postal code) is held by
 * more than `shared_value_limit` contacts: the property's own postal code says nothing about
 * which of its residents this is. A dwelling is held by one household
 * (u ≈ 1/10,000 between households), but by the whole household: the weight is kept well
 * below the measured 8.2 (synthetic) to 16+ (FEBRL), since surname, address and contact points
 * agree together between household members and would otherwise add up to a merge. Disagree
 * measures −3.8 to −4.8 on FEBRL, whose people never move; prospects move (that is why they
 * lease), so −2.
 *
 * Thresholds: the prior odds that two records of one property are one person are about
 * 1 : 2,000 to 1 : 4,000 (−11 to −12 bits: FEBRL3 and the synthetic set alike). An auto-merge
 * at 14 needs at least two independent strong agreements — a full name and a birth date, a
 * contact point and a confirming first name, a name and an address — while the guards in
 * `scoring.ts`, not the threshold, keep out what independent weights cannot see: households
 * (a shared contact point with another first name or birth date), records whose person nothing
 * confirms, and names alone (15 bits, but a common name is shared far more often than the
 * average weight says). Review from 12: a full name whose contact points both disagree
 * (7 + 8 − 3 − 3 = 9) is someone else far more often than not, and a reviewer's time is a cost.
 */
export const DEFAULT_MATCHING_CRITERIA: MatchingCriteria = {
  version: 1,
  thresholds: { auto_merge: 14, review: 12 },
  similarity: { high: 0.94, low: 0.88 },
  shared_value_limit: 3,
  fields: {
    first_name: {
      exact: 7,
      nickname: 6,
      similar_high: 6,
      similar: 4,
      phonetic: 0.5,
      disagree: -6.5,
    },
    last_name: {
      exact: 8,
      similar_high: 7,
      similar: 5,
      phonetic: 0.5,
      disagree: -4.5,
    },
    date_of_birth: { exact: 12, near: 4, partial: 0, disagree: -4 },
    email: { exact: 13, shared: 2, near: 5, disagree: -3 },
    phone: { exact: 12, shared: 2, near: 0, disagree: -3 },
    address: { exact: 7, near: 6, partial: 4, disagree: -2 },
  },
};

/** A rules document that failed validation: every issue with its path. */
export type RulesIssue = Issue;

/**
 * Validates stored or submitted criteria. Returns the criteria, or the issues (paths such as
 * `fields.email.exact`, never the offending values).
 */
export function parseMatchingCriteria(
  value: unknown,
): { ok: true; criteria: MatchingCriteria } | { ok: false; issues: RulesIssue[] } {
  const parsed = matchingCriteriaSchema.safeParse(value);
  if (parsed.success) return { ok: true, criteria: parsed.data };
  return { ok: false, issues: rulesIssues(parsed.error) };
}

/** A zod error as issues with dotted paths; an unknown key is an issue at its own path. */
export function rulesIssues(error: z.core.$ZodError): RulesIssue[] {
  return zodIssues(error, { unknownKeysApart: true });
}
