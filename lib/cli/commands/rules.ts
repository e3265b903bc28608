/**
 * `contact-sync rules`: a property's matching rules and merge strategy — `get` prints them as
 * JSON, `set` stores a file of them (what `get` prints, edited) and prints them again;
 * `simulate` (`rulesSimulate.ts`) shows what proposed criteria would change.
 */
import { type Command, Option } from "commander";
import {
  type RulesFileChange,
  type RulesView,
  rulesFileChange,
  showRules,
  updateRules,
} from "../../app/propertyRules.js";
import { InvalidInputError } from "../../domain/errors.js";
import { type MergeStrategy, mergeStrategies } from "../../domain/survivorship.js";
import { type CommandContext, withStores } from "../context.js";
import { propertyOption, readRulesFile } from "../options.js";
import { registerRulesSimulate } from "./rulesSimulate.js";

/** Registers `rules` and its subcommands `get`, `set` and `simulate`. */
export function registerRules(program: Command, context: CommandContext): void {
  const { io } = context;
  const rules = program
    .command("rules")
    .summary("show, change or simulate a property's matching rules and merge strategy")
    .description(
      "Show or change a property's matching rules: the merge strategy (resman_wins, domiq_wins, manual_review) and the matching criteria (weights per comparison level, thresholds; validated here). Both are used by the sync path and chatbot enrichment at once. `rules simulate` shows what proposed criteria would change before they are set.",
    );
  rules
    .command("get")
    .summary("print the rules a property runs with")
    .description(
      "Print the rules a property runs with as JSON: merge strategy and matching criteria, each with where it comes from (stored or the built-in defaults).",
    )
    .addOption(propertyOption())
    .action(async (options: { property: string }) => {
      await withStores(context, async (stores) => {
        const view = await showRules(stores, options.property);
        io.stdout.write(`${JSON.stringify(rulesRecord(view), null, 2)}\n`);
      });
    });
  rules
    .command("set")
    .summary("store new matching criteria and/or a merge strategy")
    .description(
      "Store new matching criteria and/or a merge strategy. The file is what `rules get` prints, edited or not (its matching_criteria and merge_strategy are stored, the other fields are ignored), or only the matching_criteria part of it; --strategy overrides the file's merge_strategy. An invalid file changes nothing: the first bad path is named and the exit code is 2.",
    )
    .addOption(propertyOption())
    .option("--file <path>", "JSON file: the output of `rules get`, or its matching_criteria")
    .addOption(new Option("--strategy <strategy>", "merge strategy").choices([...mergeStrategies]))
    .addHelpText(
      "after",
      "\nExample:\n" +
        "  contact-sync rules get --property <guid> > rules.json\n" +
        "  (edit rules.json)\n" +
        "  contact-sync rules set --property <guid> --file rules.json",
    )
    .action(async (options: { property: string; file?: string; strategy?: MergeStrategy }) => {
      if (options.file === undefined && options.strategy === undefined) {
        throw new InvalidInputError("nothing to set: give --file and/or --strategy");
      }
      const file: RulesFileChange =
        options.file === undefined ? {} : rulesFileChange(await readRulesFile(options.file));
      if (file.criteria === undefined && (options.strategy ?? file.strategy) === undefined) {
        throw new InvalidInputError(
          `nothing to set: ${options.file} has no matching_criteria or merge_strategy`,
        );
      }
      await withStores(context, async (stores) => {
        const view = await updateRules(stores, options.property, {
          criteria: file.criteria,
          strategy: options.strategy ?? file.strategy,
        });
        io.stdout.write(`${JSON.stringify(rulesRecord(view), null, 2)}\n`);
      });
    });
  registerRulesSimulate(rules, context);
}

/** `rules get|set` output, snake_case like every JSON the CLI prints. */
function rulesRecord(view: RulesView) {
  return {
    property_id: view.propertyId,
    resman_property_id: view.resmanPropertyId,
    merge_strategy: view.mergeStrategy,
    merge_strategy_source: view.mergeStrategySource,
    matching_criteria_source: view.matchingCriteriaSource,
    ...(view.issues.length > 0 ? { matching_criteria_issues: view.issues } : {}),
    matching_criteria: view.matchingCriteria,
  };
}
