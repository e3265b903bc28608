/**
 * Choosing among candidate contacts with the pair scorer (`scoring.ts`): every candidate is
 * scored, the best decides the outcome. Pure and order-independent. A contact's secondary
 * emails and phones (values it held before) count as its own when the person has them.
 *
 * An email or phone held by several candidates of the property is a household's or an
 * office's: the count of candidates holding the person's value is passed to the scorer, which
 * demotes it to weak evidence above the criteria's `shared_value_limit` and, from two holders
 * on, no longer lets a nickname alone confirm the person (`nickname_in_household`).
 *
 * Each record is brought into comparison form once (`comparisonForm`), not once per pair: the
 * person's once per choice, a contact's values and variants once per object (`formOf`).
 */
import { addressPartKeys, emailBlockingKey, MAX_BLOCK_SIZE, phoneBlockingKey } from "./blocking.js";
import { type Contact, type ContactValues, type RecordVariant, variantValues } from "./contact.js";
import { emailMatchKey } from "./emailKey.js";
import { memoizedPerObject } from "./memo.js";
import { phoneTypes } from "./person.js";
import type { MatchingCriteria } from "./rules.js";
import {
  comparisonForm,
  HOUSEHOLD_GUARDS,
  outcomeOf,
  type ScoreEvidence,
  type ScoreOutcome,
  scoreForms,
} from "./scoring.js";

export interface ScoredCandidate {
  contact: Contact;
  evidence: ScoreEvidence;
}

export interface ScoredChoice {
  /**
   * The best candidate (highest outcome, then score, then oldest, then smallest id — ids are
   * time-ordered, so among contacts created together that is the one made first), unless its
   * outcome is `new`.
   */
  best: ScoredCandidate | null;
  /** The best candidate whatever its outcome (null without candidates). */
  top: ScoredCandidate | null;
  /** `merge`: link to `best`; `review`: new contact plus a review item on `best`; `new`. */
  outcome: ScoreOutcome;
  /** Every candidate's score and outcome, best first (ids only). */
  ranked: { contactId: string; score: number; outcome: ScoreOutcome }[];
}

const rank: Record<ScoreOutcome, number> = { merge: 2, review: 1, new: 0 };

/**
 * The contact's values as the scorer sees them against `person`: a secondary email or phone the
 * person has stands in for the current one (the contact held it; not a disagreement).
 */
function valuesAgainst(
  person: ContactValues,
  email: string | null,
  contact: Contact,
): ContactValues {
  const { values, secondary } = contact;
  if (secondary.emails.length === 0 && secondary.phones.length === 0) return values;
  const view: ContactValues = { ...values, phones: { ...values.phones } };
  if (
    email !== null &&
    (values.email === null || emailMatchKey(values.email) !== email) &&
    secondary.emails.some((e) => emailMatchKey(e) === email)
  ) {
    view.email = secondary.emails.find((e) => emailMatchKey(e) === email) ?? view.email;
  }
  const held = new Set(Object.values(values.phones).map((p) => p.e164));
  for (const phone of Object.values(person.phones)) {
    if (held.has(phone.e164)) continue;
    const old = secondary.phones.find((p) => p.e164 === phone.e164);
    const free = phoneTypes.find((type) => view.phones[type] === undefined);
    if (old !== undefined && free !== undefined) {
      view.phones[free] = old;
      held.add(old.e164);
    }
  }
  return view;
}

/** A record's comparison form, and that form as text (to tell identical readings apart). */
interface FormOf {
  form: ReturnType<typeof comparisonForm>;
  text: string;
}

function formWithText(values: ContactValues): FormOf {
  const form = comparisonForm(values);
  return { form, text: JSON.stringify(form) };
}

/**
 * A contact's values and variants are shared between the rows and reads that see the contact
 * and never changed, so each is brought into comparison form once while it lives, not once per
 * person compared.
 */
const formOf = memoizedPerObject(formWithText);

/**
 * A variant's form, remembered by the variant: a merge makes a new list of the contact's
 * variants but keeps the ones it had, so only the new one is brought into form.
 */
const variantFormOf = memoizedPerObject((variant: RecordVariant) =>
  formWithText(variantValues(variant)),
);

/**
 * The distinct forms of a contact's variants, remembered by their list (one lookup per
 * contact): records that read the same in comparison form score the same, so each is scored once.
 */
const variantFormsOf = memoizedPerObject((variants: readonly RecordVariant[]): FormOf[] => {
  const byText = new Map<string, FormOf>();
  for (const variant of variants) {
    const known = variantFormOf(variant);
    if (!byText.has(known.text)) byText.set(known.text, known);
  }
  return [...byText.values()];
});

/** Whether any of a contact's records gives a first name or a birth date. */
function identified(contact: Contact): boolean {
  const { values, secondary } = contact;
  if (values.firstName !== null || values.dateOfBirth !== null) return true;
  return (secondary.variants ?? []).some((v) => v.firstName !== null || v.dateOfBirth !== null);
}

/** The email match keys a contact holds: its current email and its secondary ones. */
export const emailsOf = (c: Contact) =>
  [c.values.email, ...c.secondary.emails].flatMap((e) => {
    const key = e === null ? null : emailMatchKey(e);
    return key === null ? [] : [key];
  });
/** The E.164 phones a contact holds: its current phones and its secondary ones. */
export const phonesOf = (c: Contact) => [
  ...Object.values(c.values.phones).map((p) => p.e164),
  ...c.secondary.phones.map((p) => p.e164),
];

/** Scores `person` against every candidate and picks the best. */
export function chooseCandidate(
  person: ContactValues,
  candidates: readonly Contact[],
  criteria: MatchingCriteria,
  commonKeys: readonly string[] = [],
  keyCounts: Readonly<Record<string, number>> = {},
): ScoredChoice {
  const email = person.email === null ? null : emailMatchKey(person.email);
  const phones = Object.values(person.phones).map((phone) => phone.e164);
  // A value whose blocking key was too common to read its holders is held by more contacts
  // than any limit: shared, whatever the candidates say.
  const common = new Set(commonKeys);
  // The holders that count: contacts that say who they are (a first name or a birth date). A
  // contact of a card that gave neither is nobody in particular: likely a stray card of one of
  // the others, it does not make a value a household's.
  const holders = candidates.filter(identified);
  const many = criteria.shared_value_limit + 1;
  const holdingEmail =
    email === null
      ? 0
      : common.has(emailBlockingKey(email))
        ? many
        : holders.filter((c) => emailsOf(c).includes(email)).length;
  const holdingPhone = new Map(
    phones.map((phone) => [
      phone,
      common.has(phoneBlockingKey(phone))
        ? many
        : holders.filter((c) => phonesOf(c).includes(phone)).length,
    ]),
  );
  // How many contacts hold the person's dwelling, building, street and postal code (its own
  // counts: the scorer uses the one an address agreement rests on).
  const address = Object.fromEntries(
    Object.entries(addressPartKeys(person)).map(([part, key]) => [
      part,
      common.has(key) ? MAX_BLOCK_SIZE + 1 : (keyCounts[key] ?? 1),
    ]),
  );
  // How many contacts carry the person's full name: its surname key too common to read, or the
  // candidates that carry it (every namesake shares the person's name blocking keys).
  const form = comparisonForm(person);
  const { first, last } = form;
  const namesakes =
    first === null || last === null
      ? 1
      : [...common].some((key) => key.startsWith("ln:"))
        ? MAX_BLOCK_SIZE + 1
        : Math.max(
            1,
            holders.filter((c) => {
              const named = formOf(c.values).form;
              return named.first === first && named.last === last;
            }).length,
          );
  // Per candidate: the most-held of the phones the person and the candidate have in common.
  const phoneHolders = (contact: Contact) =>
    Math.max(1, ...phonesOf(contact).map((phone) => holdingPhone.get(phone) ?? 0));
  const scored: ScoredCandidate[] = candidates.map((contact) => {
    const shared = {
      email: Math.max(1, holdingEmail),
      phone: phoneHolders(contact),
      address,
      name: namesakes,
    };
    const values = valuesAgainst(person, email, contact);
    const { form: valuesForm, text: currentForm } = formOf(values);
    const current = scoreForms(form, valuesForm, criteria, shared);
    // The contact as each of its records wrote the person (a duplicate card's spelling,
    // birth date, address, email or phones), each read as a whole: the best reading counts, as
    // the person's record may copy one of them, but no reading mixes two records' values. Each
    // reading confirms the person or not on its own (`person_unconfirmed`, `names_only`); a
    // household guard of the current reading holds for every reading, so a variant never lets
    // a household member merge.
    let evidence = current;
    const variants = contact.secondary.variants;
    for (const { form: variantForm, text } of variants === undefined
      ? []
      : variantFormsOf(variants)) {
      if (text === currentForm) continue;
      const other = scoreForms(form, variantForm, criteria, shared);
      if (
        rank[other.outcome] > rank[evidence.outcome] ||
        (other.outcome === evidence.outcome && other.score > evidence.score)
      ) {
        evidence = other;
      }
    }
    const household =
      current.hold !== undefined &&
      current.hold !== null &&
      HOUSEHOLD_GUARDS.has(current.hold.guard)
        ? current.hold
        : null;
    if (evidence !== current && household !== null && evidence.outcome === "merge") {
      const outcome = outcomeOf(evidence.fields, evidence.score, criteria.thresholds, household);
      evidence = { ...evidence, outcome, guard: household.guard, hold: household };
    }
    return { contact, evidence };
  });
  scored.sort(
    (a, b) =>
      rank[b.evidence.outcome] - rank[a.evidence.outcome] ||
      b.evidence.score - a.evidence.score ||
      a.contact.createdAt.getTime() - b.contact.createdAt.getTime() ||
      (a.contact.id < b.contact.id ? -1 : a.contact.id > b.contact.id ? 1 : 0),
  );
  const best = scored[0] ?? null;
  return {
    best: best !== null && best.evidence.outcome !== "new" ? best : null,
    top: best,
    outcome: best?.evidence.outcome ?? "new",
    ranked: scored.map((s) => ({
      contactId: s.contact.id,
      score: s.evidence.score,
      outcome: s.evidence.outcome,
    })),
  };
}
