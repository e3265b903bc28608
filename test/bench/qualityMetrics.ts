/**
 * Pairwise match quality, the measure record-linkage papers and tools (Febrl, Splink) report:
 * every unordered pair of records is a decision "same person or not".
 *
 * - predicted pairs: pairs of records that ended in the same contact;
 * - true pairs: pairs of records that carry the same truth label (the same real person);
 * - precision = correct / predicted, recall = correct / true, F1 their harmonic mean.
 *
 * Counted from cluster sizes (n records in a group make n·(n−1)/2 pairs), so the cost is linear
 * in the records, not in the pairs: a contact holding 1,000 placeholder-sharing records must
 * not make the benchmark enumerate half a million pairs.
 *
 * Edge cases, chosen so that the figures read the same way everywhere:
 * - no predicted pairs → precision 1: nothing was merged, so no merge was wrong;
 * - no true pairs → recall 1: there was nothing to find;
 * - precision + recall = 0 → F1 0.
 * All singletons on data with duplicates therefore scores precision 1, recall 0, F1 0.
 */

/** Where one record ended, and who it really is. */
export interface RecordOutcome {
  /** The real person the record belongs to (truth label). */
  truth: string;
  /**
   * The contact the record ended in. A record that is in no contact (rejected by the import,
   * failed) must get a key of its own, so that it pairs with nothing.
   */
  predicted: string;
}

/** A record of a data set where people live together. */
export interface HouseholdRecordOutcome extends RecordOutcome {
  /** The household of the real person; people living alone have one of their own. */
  household: string;
}

/** Pairwise counts and the rates derived from them. */
export interface PairwiseQuality {
  records: number;
  /** Distinct truth labels (real people). */
  people: number;
  /** Distinct predicted groups (contacts, and records in none). */
  groups: number;
  truePairs: number;
  predictedPairs: number;
  /** Predicted pairs that are true pairs. */
  correctPairs: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Unordered pairs among `n` things. */
const pairsOf = (n: number) => (n * (n - 1)) / 2;

function increment<K>(counts: Map<K, number>, key: K): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function sumOfPairs(counts: Iterable<number>): number {
  let total = 0;
  for (const n of counts) total += pairsOf(n);
  return total;
}

/** Pairwise precision, recall and F1 of a grouping against truth labels. */
export function pairwiseQuality(records: Iterable<RecordOutcome>): PairwiseQuality {
  const byTruth = new Map<string, number>();
  const byGroup = new Map<string, number>();
  // Nested rather than a joined string key, so no label can collide with another through the
  // separator.
  const cells = new Map<string, Map<string, number>>();
  let count = 0;
  for (const { truth, predicted } of records) {
    count += 1;
    increment(byTruth, truth);
    increment(byGroup, predicted);
    let cell = cells.get(predicted);
    if (cell === undefined) {
      cell = new Map();
      cells.set(predicted, cell);
    }
    increment(cell, truth);
  }
  const truePairs = sumOfPairs(byTruth.values());
  const predictedPairs = sumOfPairs(byGroup.values());
  let correctPairs = 0;
  for (const cell of cells.values()) correctPairs += sumOfPairs(cell.values());
  const precision = predictedPairs === 0 ? 1 : correctPairs / predictedPairs;
  const recall = truePairs === 0 ? 1 : correctPairs / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    records: count,
    people: byTruth.size,
    groups: byGroup.size,
    truePairs,
    predictedPairs,
    correctPairs,
    precision,
    recall,
    f1,
  };
}

/** A record of a data set where some unrelated people share one full name. */
export interface NamesakeRecordOutcome extends RecordOutcome {
  /**
   * The group of different people given the same first and last name (namesakes); null for a
   * person who shares their name with no one.
   */
  namesake: string | null;
}

/**
 * Distinct unordered pairs of different people of one group that share at least one contact.
 * A pair merged in two contacts counts once.
 */
function falseMergesWithin(records: Iterable<RecordOutcome & { group: string | null }>): number {
  // contact → group → people of that group in the contact
  const contacts = new Map<string, Map<string, Set<string>>>();
  for (const { truth, predicted, group } of records) {
    if (group === null) continue;
    let groups = contacts.get(predicted);
    if (groups === undefined) {
      groups = new Map();
      contacts.set(predicted, groups);
    }
    let people = groups.get(group);
    if (people === undefined) {
      people = new Set();
      groups.set(group, people);
    }
    people.add(truth);
  }
  const merged = new Set<string>();
  for (const groups of contacts.values()) {
    for (const people of groups.values()) {
      const sorted = [...people].sort();
      for (let i = 0; i < sorted.length; i += 1) {
        for (let j = i + 1; j < sorted.length; j += 1) {
          merged.add(JSON.stringify([sorted[i], sorted[j]]));
        }
      }
    }
  }
  return merged.size;
}

/**
 * Household false merges: distinct unordered pairs of different people of one household that
 * share at least one contact. This is the wrong merge integrators are known for (one resident's
 * data on a family member or roommate who shares the phone or email), so it is counted apart
 * from the pairwise figures, where a few such pairs would hardly move precision. A pair merged
 * in two contacts counts once.
 */
export function householdFalseMerges(records: Iterable<HouseholdRecordOutcome>): number {
  return falseMergesWithin(
    Array.from(records, ({ truth, predicted, household }) => ({
      truth,
      predicted,
      group: household,
    })),
  );
}

/**
 * Namesake false merges: distinct unordered pairs of different people with the same full name
 * (one namesake group) that share at least one contact, the merge a matcher leaning on names
 * makes. Counted apart for the same reason as household false merges. A pair merged in two
 * contacts counts once.
 */
export function namesakeFalseMerges(records: Iterable<NamesakeRecordOutcome>): number {
  return falseMergesWithin(
    Array.from(records, ({ truth, predicted, namesake }) => ({
      truth,
      predicted,
      group: namesake,
    })),
  );
}
