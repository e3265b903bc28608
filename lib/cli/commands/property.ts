/**
 * `contact-sync property`: the property registry — `add` registers a ResMan property for the
 * scheduled reconciliation (or updates it), or a portfolio's properties from a file; `list`
 * shows the registered ones, `enable` and `disable` switch a property's reconciliation on and
 * off; `set`, `sources` and `agents` (`propertyPush.ts`) are its guest-card push settings.
 */

import Table from "cli-table3";
import { type Command, InvalidArgumentError, Option } from "commander";
import { readRegistryFile } from "../../adapters/files/registryFile.js";
import type { RegisteredProperty } from "../../app/ports/reconcileStore.js";
import { addProperties, addProperty, setReconcileEnabled } from "../../app/propertyRegistry.js";
import { InvalidInputError } from "../../domain/errors.js";
import {
  checkRegistryEntries,
  type RegistryDefaults,
  resmanAccountIdOf,
} from "../../domain/propertyRegistration.js";
import { type ResmanApi, resmanApis } from "../../domain/reconcileRun.js";
import { type CommandContext, withStores } from "../context.js";
import { guid, jsonOption, PROPERTY_FLAGS, propertyOption } from "../options.js";
import { counted, formatUnknownNames, number, plain } from "../output.js";
import { registerPropertyPush } from "./propertyPush.js";

/** `--account`: a ResMan AccountID, a positive 32-bit integer. */
function accountIdArgument(value: string): number {
  const id = resmanAccountIdOf(value);
  if (id === undefined) {
    throw new InvalidArgumentError("must be a ResMan AccountID (a positive integer)");
  }
  return id;
}

/** Problems printed when a portfolio's file is refused; the rest are counted. */
const PROBLEMS_SHOWN = 20;

/**
 * `property add --file`: reads and checks the whole file before opening the database, so a
 * wrong entry writes nothing; then registers every property in one transaction.
 */
async function addFromFile(
  context: CommandContext,
  path: string,
  defaults: RegistryDefaults,
): Promise<void> {
  const { io } = context;
  const checked = checkRegistryEntries(await readRegistryFile(path), defaults);
  if (checked.unknown.length > 0) io.stderr.write(formatUnknownNames(checked.unknown, "field(s)"));
  if (checked.problems.length > 0) {
    for (const problem of checked.problems.slice(0, PROBLEMS_SHOWN)) {
      io.stderr.write(`contact-sync: ${path}: ${problem}\n`);
    }
    const more = checked.problems.length - PROBLEMS_SHOWN;
    throw new InvalidInputError(
      `${path}: ${counted(checked.problems.length, "problem")}${more > 0 ? ` (${number.format(more)} more not shown)` : ""}; no property was registered`,
    );
  }
  await withStores(context, async (stores) => {
    const results = await addProperties(stores.reconcile, checked.properties);
    const created = results.filter((r) => r.created).length;
    const enabled = results.filter((r) => r.property.enabled).length;
    io.stdout.write(
      `Registered ${counted(created, "property", "properties")} and updated ${number.format(results.length - created)} from ${path}: ` +
        `${number.format(enabled)} enabled, ${number.format(results.length - enabled)} disabled.\n`,
    );
  });
}

/** A registered property in JSON: snake_case like every JSON the CLI prints. */
function propertyRecord(p: RegisteredProperty) {
  return {
    id: p.id,
    name: p.name,
    resman_property_id: p.resmanPropertyId,
    resman_account_id: p.resmanAccountId,
    api: p.api,
    enabled: p.enabled,
  };
}

/** One line about a registered property: ids, API and state (a property's name is not personal data). */
function describe(p: RegisteredProperty): string {
  return `${p.resmanPropertyId} (account ${p.resmanAccountId}, ${p.api}, ${p.enabled ? "enabled" : "disabled"})`;
}

/** Registers `property` and its subcommands. */
export function registerProperty(program: Command, context: CommandContext): void {
  const { io } = context;
  const property = program
    .command("property")
    .summary("register ResMan properties for the scheduled reconciliation")
    .description(
      "The property registry: which ResMan properties the scheduled reconciliation (and `reconcile --all`) reads, and through which ResMan API. A property an import or a webhook created is not reconciled until it is registered here.",
    );
  property
    .command("add")
    .summary("register a property, or a portfolio's from a file (or update them)")
    .description(
      "Register a ResMan property for reconciliation, enabled unless --disabled. Running it again updates the registration (account, API, name, enabled). With --file, register every property of a CSV, JSONL or JSON file at once: all of them, or none if any entry is wrong.",
    )
    .addOption(new Option(PROPERTY_FLAGS, "ResMan PropertyID (GUID)").argParser(guid))
    .addOption(
      new Option("--account <id>", "ResMan AccountID (integer)").argParser(accountIdArgument),
    )
    .option("--name <text>", 'a name for operators (default: kept, or "ResMan property <GUID>")')
    .addOption(
      new Option(
        "--file <path>",
        "a portfolio: .csv, .jsonl or .json file of properties (fields below)",
      ).conflicts(["property", "account", "name"]),
    )
    .addOption(
      new Option(
        "--api <api>",
        "ResMan API to read the property through (with --file: where an entry has no api)",
      )
        .choices([...resmanApis])
        .default("v2"),
    )
    .option(
      "--disabled",
      "register it without reconciling it yet (with --file: where an entry has no enabled)",
    )
    .addHelpText(
      "after",
      `
A file's fields (CSV header names, or JSON keys; compared like import columns):
  resman_property_id  the ResMan PropertyID (required; also PropertyID)
  resman_account_id   the ResMan AccountID (required; also AccountID)
  name                a name for operators (empty: kept, or "ResMan property <GUID>")
  api                 v2 | v1 (empty: --api)
  enabled             true | false, yes | no, 1 | 0 (empty: not --disabled)
A .json file is an array of such objects: what \`property list --json\` prints (its id is ignored).

Examples:
  contact-sync property add --property <guid> --account 400 --name "Oak Ridge"
  contact-sync property add --file portfolio.csv --disabled`,
    )
    .action(
      async (options: {
        property?: string;
        account?: number;
        name?: string;
        file?: string;
        api: ResmanApi;
        disabled?: boolean;
      }) => {
        if (options.file !== undefined) {
          await addFromFile(context, options.file, {
            api: options.api,
            enabled: options.disabled !== true,
          });
          return;
        }
        if (options.property === undefined || options.account === undefined) {
          const missing = options.property === undefined ? PROPERTY_FLAGS : "--account <id>";
          throw new InvalidInputError(
            `required option '${missing}' not specified (or --file <path> for a portfolio)`,
          );
        }
        const name = options.name?.trim();
        const { property: resmanPropertyId, account: resmanAccountId } = options;
        await withStores(context, async (stores) => {
          const { property: registered, created } = await addProperty(stores.reconcile, {
            resmanPropertyId,
            resmanAccountId,
            name: name === undefined || name === "" ? undefined : name,
            api: options.api,
            enabled: options.disabled !== true,
          });
          io.stdout.write(
            `${created ? "Registered" : "Updated"} property ${describe(registered)}.\n`,
          );
        });
      },
    );
  property
    .command("list")
    .summary("list the registered properties")
    .addOption(jsonOption())
    .action(async (options: { json?: boolean }) => {
      await withStores(context, async (stores) => {
        const registered = await stores.reconcile.registered();
        if (options.json === true) {
          io.stdout.write(`${JSON.stringify(registered.map(propertyRecord), null, 2)}\n`);
          return;
        }
        if (registered.length === 0) {
          io.stdout.write("No registered properties: add one with `contact-sync property add`.\n");
          return;
        }
        const table = new Table({
          ...plain,
          head: ["resman property", "account", "api", "reconciled", "name", "property"],
        });
        for (const p of registered) {
          table.push([
            p.resmanPropertyId,
            p.resmanAccountId,
            p.api,
            p.enabled ? "yes" : "no",
            p.name,
            p.id,
          ]);
        }
        io.stdout.write(`${table.toString()}\n`);
      });
    });
  registerPropertyPush(property, context);
  for (const [name, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    property
      .command(name)
      .summary(`${enabled ? "resume" : "stop"} reconciling a registered property`)
      .addOption(propertyOption())
      .action(async (options: { property: string }) => {
        await withStores(context, async (stores) => {
          const updated = await setReconcileEnabled(stores.reconcile, options.property, enabled);
          io.stdout.write(`Property ${describe(updated)}.\n`);
        });
      });
  }
}
