/**
 * `contact-sync property`: the property registry — `add` registers a ResMan property for the
 * scheduled reconciliation (or updates it), `list` shows the registered ones, `enable` and
 * `disable` switch a property's reconciliation on and off; `set`, `sources` and `agents`
 * (`propertyPush.ts`) are its guest-card push settings.
 */

import Table from "cli-table3";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { RegisteredProperty } from "../../app/ports/reconcileStore.js";
import { addProperty, setReconcileEnabled } from "../../app/propertyRegistry.js";
import { type ResmanApi, resmanApis } from "../../domain/reconcileRun.js";
import { type CommandContext, withStores } from "../context.js";
import { guid, jsonOption, PROPERTY_FLAGS, propertyOption } from "../options.js";
import { plain } from "../output.js";
import { registerPropertyPush } from "./propertyPush.js";

/** ResMan AccountIDs are positive 32-bit integers. */
function accountId(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 2_147_483_647) {
    throw new InvalidArgumentError("must be a ResMan AccountID (a positive integer)");
  }
  return n;
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
    .summary("register a property (or update its registration)")
    .description(
      "Register a ResMan property for reconciliation, enabled unless --disabled. Running it again updates the registration (account, API, name, enabled).",
    )
    .addOption(
      new Option(PROPERTY_FLAGS, "ResMan PropertyID (GUID)").argParser(guid).makeOptionMandatory(),
    )
    .addOption(
      new Option("--account <id>", "ResMan AccountID (integer)")
        .argParser(accountId)
        .makeOptionMandatory(),
    )
    .option("--name <text>", 'a name for operators (default: kept, or "ResMan property <GUID>")')
    .addOption(
      new Option("--api <api>", "ResMan API to read the property through")
        .choices([...resmanApis])
        .default("v2"),
    )
    .option("--disabled", "register it without reconciling it yet")
    .action(
      async (options: {
        property: string;
        account: number;
        name?: string;
        api: ResmanApi;
        disabled?: boolean;
      }) => {
        const name = options.name?.trim();
        await withStores(context, async (stores) => {
          const { property: registered, created } = await addProperty(stores.reconcile, {
            resmanPropertyId: options.property,
            resmanAccountId: options.account,
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
