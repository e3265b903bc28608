/**
 * `contact-sync rules simulate`: what a property's stored decisions would have been under
 * proposed matching criteria (`lib/app/simulateRules.ts`), and its output — a summary line, the
 * changes by kind and the changed links, or all of it as JSON. Ids, outcomes and scores only:
 * never a name, email, phone or birth date.
 */
import Table from "cli-table3";
import type { Command } from "commander";
import { rulesFileChange } from "../../app/propertyRules.js";
import { type RuleSimulationView, simulatePropertyRules } from "../../app/simulateRules.js";
import { InvalidInputError } from "../../domain/errors.js";
import { type SimulatedDecision, transitions } from "../../domain/ruleSimulation.js";
import { type CommandContext, withStores } from "../context.js";
import { jsonOption, propertyOption, readRulesFile } from "../options.js";
import { plain } from "../output.js";

/** Changed links shown in the table; `--json` lists every one. */
export const SHOWN_CHANGES = 50;

/** Registers `simulate` under `rules`. */
export function registerRulesSimulate(rules: Command, context: CommandContext): void {
  rules
    .command("simulate")
    .summary("show what other matching criteria would change, without writing")
    .description(
      "Re-score a property's stored decisions (its ResMan links and open review items, from the per-field evidence they keep) under the matching criteria in a file, and report which would change outcome (merge, review, new) with their scores before and after, and the review rate before and after. Nothing is written. Links a reviewer decided (an approved, rejected or superseded review item, or an undone merge) are kept as decided.",
    )
    .addOption(propertyOption())
    .requiredOption(
      "--file <path>",
      "JSON file with the proposed matching criteria (bare, or the whole output of `rules get`)",
    )
    .addOption(jsonOption("every changed link"))
    .addHelpText(
      "after",
      "\nLimits: each field's comparison level is re-weighted as stored; changing the\n" +
        "Jaro–Winkler cut-offs (similarity), shared_value_limit or adding/dropping the first\n" +
        "name's nickname weight would change levels, which stored evidence cannot show: such\n" +
        "changes are listed as not simulated. Only the top candidate of each decision is re-scored.\n" +
        "\nExample:\n" +
        "  contact-sync rules get --property <guid> > proposed.json   # then edit a weight\n" +
        "  (edit proposed.json)\n" +
        "  contact-sync rules simulate --property <guid> --file proposed.json\n" +
        "\nExit code: 0 when simulated, 2 for an unknown property or a file that is missing, not\n" +
        "JSON or not valid criteria (the first bad path is named).",
    )
    .action(async (options: { property: string; file: string; json?: boolean }) => {
      // Bare criteria, or the whole output of `rules get` (its matching_criteria), as `rules set`.
      const { criteria } = rulesFileChange(await readRulesFile(options.file));
      if (criteria === undefined) {
        throw new InvalidInputError(`${options.file} has no matching_criteria to simulate`);
      }
      await withStores(context, async (stores) => {
        const simulation = await simulatePropertyRules(stores, {
          property: options.property,
          criteria,
        });
        context.io.stdout.write(
          options.json
            ? `${JSON.stringify(simulationRecord(simulation), null, 2)}\n`
            : formatSimulation(simulation),
        );
      });
    });
}

/** A changed decision in `--json`: snake_case like every JSON the CLI prints. */
function changeRecord(decision: SimulatedDecision) {
  return {
    link_id: decision.linkId,
    resman_contact_id: decision.personId,
    user_id: decision.contactId,
    review_id: decision.reviewId,
    before: decision.before,
    after: decision.after,
    delta: decision.delta,
  };
}

/** `rules simulate --json`. */
export function simulationRecord(simulation: RuleSimulationView) {
  return {
    property_id: simulation.propertyId,
    resman_property_id: simulation.resmanPropertyId,
    links: simulation.links,
    rescored: simulation.rescored,
    unscorable: simulation.unscorable,
    staff_decisions: simulation.staffDecisions,
    changed: simulation.changed.map(changeRecord),
    transitions: simulation.transitions,
    reviews: simulation.reviews,
    review_rate: simulation.reviewRate,
    not_simulated: simulation.notSimulated,
  };
}

const percent = (rate: number) => `${(100 * rate).toFixed(1)} %`;
const score = (value: number | null) => (value === null ? "-" : value.toFixed(2));
const signed = (value: number | null) =>
  value === null ? "-" : `${value > 0 ? "+" : ""}${value.toFixed(2)}`;

/** What `rules simulate` prints: a summary line, the changes by kind, the changed links. */
export function formatSimulation(simulation: RuleSimulationView): string {
  const s = simulation;
  const lines: string[] = [];
  const property = s.resmanPropertyId ?? s.propertyId;
  lines.push(
    `Property ${property}: ${s.links} links, ${s.rescored} decisions re-scored, ` +
      `${s.changed.length} would change outcome, ${s.staffDecisions} staff decisions kept, ` +
      `${s.unscorable} without usable evidence; review rate ${percent(s.reviewRate.before)} → ` +
      `${percent(s.reviewRate.after)} (${s.reviews.before} → ${s.reviews.after} in review).`,
  );
  if (s.notSimulated.length > 0) {
    lines.push(
      `Not simulated (stored levels were computed with the current values): ${s.notSimulated.join(", ")}.`,
    );
  }
  if (s.changed.length === 0) {
    lines.push("No decision would change outcome.");
    return `${lines.join("\n")}\n`;
  }
  const kinds = new Table({ ...plain, head: ["change", "decisions"] });
  for (const kind of transitions) {
    const count = s.transitions[kind];
    if (count > 0) kinds.push([kind.replace("_to_", " → "), count]);
  }
  lines.push(kinds.toString());
  lines.push("Changed decisions, largest score change first:");
  const changed = new Table({
    ...plain,
    head: ["link", "PersonID", "contact", "outcome", "score", "delta"],
  });
  for (const d of s.changed.slice(0, SHOWN_CHANGES)) {
    changed.push([
      d.linkId ?? "-",
      d.personId ?? "chatbot lead",
      d.contactId,
      `${d.before.outcome} → ${d.after.outcome}`,
      `${score(d.before.score)} → ${score(d.after.score)}`,
      signed(d.delta),
    ]);
  }
  lines.push(changed.toString());
  const more = s.changed.length - SHOWN_CHANGES;
  if (more > 0) lines.push(`… and ${more} more (\`--json\` lists every one).`);
  return `${lines.join("\n")}\n`;
}
