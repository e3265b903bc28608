/**
 * `contact-sync property set|sources|agents`: a property's guest-card push settings, and the
 * ResMan prospect sources and employees an operator picks them from.
 */
import Table from "cli-table3";
import { type Command, Option } from "commander";
import { configuredGuestCards } from "../../adapters/resman/configuredSource.js";
import type { ResmanLookup } from "../../app/ports/guestCards.js";
import { propertiesToReconcile } from "../../app/propertyRegistry.js";
import { InvalidInputError } from "../../domain/errors.js";
import { type CommandContext, withStores } from "../context.js";
import { jsonOption, propertyOption } from "../options.js";
import { plain } from "../output.js";

/** A ResMan id as an operator pastes it: trimmed, non-empty, short. */
function resmanId(value: string): string {
  const id = value.trim();
  if (id === "" || id.length > 100)
    throw new InvalidInputError("a ResMan id is 1 to 100 characters");
  return id;
}

/** Registers `property set`, `property sources` and `property agents` on `property`. */
export function registerPropertyPush(property: Command, context: CommandContext): void {
  const { io } = context;
  property
    .command("set")
    .summary("turn the guest-card push on or off, with its prospect source and agent")
    .description(
      "Change a property's guest-card push: chatbot leads become ResMan guest cards (`contact-sync push`), with the given ResMan ProspectSource ID as their source and employee ID as their agent. Turning it on needs both (given here or stored before); `property sources` and `property agents` list ResMan's.",
    )
    .addOption(propertyOption())
    .addOption(
      new Option("--push-guest-cards <state>", "push chatbot leads to ResMan").choices([
        "on",
        "off",
      ]),
    )
    .option("--source-id <id>", "ResMan ProspectSource ID for pushed cards", resmanId)
    .option("--agent-id <id>", "ResMan employee ID for pushed cards", resmanId)
    .action(
      async (options: {
        property: string;
        pushGuestCards?: "on" | "off";
        sourceId?: string;
        agentId?: string;
      }) => {
        const { pushGuestCards, sourceId, agentId } = options;
        if (pushGuestCards === undefined && sourceId === undefined && agentId === undefined) {
          throw new InvalidInputError(
            "nothing to set: give --push-guest-cards, --source-id and/or --agent-id",
          );
        }
        await withStores(context, async (stores) => {
          const known = await stores.properties.findProperty(options.property);
          if (known === null) throw new InvalidInputError(`no property ${options.property}`);
          const current = await stores.push.pushSettings(known.id);
          const next = {
            enabled: pushGuestCards === undefined ? current?.enabled : pushGuestCards === "on",
            sourceId: sourceId ?? current?.sourceId ?? null,
            agentId: agentId ?? current?.agentId ?? null,
          };
          if (next.enabled === true && (next.sourceId === null || next.agentId === null)) {
            throw new InvalidInputError(
              "the push needs --source-id and --agent-id (see `contact-sync property sources` and `property agents`)",
            );
          }
          const saved = await stores.push.setPushSettings(known.id, {
            ...(next.enabled === undefined ? {} : { enabled: next.enabled }),
            sourceId: next.sourceId,
            agentId: next.agentId,
          });
          if (saved === null) throw new InvalidInputError(`no property ${options.property}`);
          io.stdout.write(
            `Property ${saved.resmanPropertyId ?? saved.propertyId}: guest-card push ${saved.enabled ? "on" : "off"}` +
              ` (source ${saved.sourceId ?? "-"}, agent ${saved.agentId ?? "-"}).\n`,
          );
        });
      },
    );

  for (const [name, what] of [
    ["sources", "prospect sources"],
    ["agents", "employees"],
  ] as const) {
    property
      .command(name)
      .summary(`list the property's ResMan ${what} (ids and names)`)
      .description(
        `List the registered property's ResMan ${what} (Leasing/${name === "sources" ? "GetProspectSources" : "GetEmployees"}), to pick the ${name === "sources" ? "--source-id" : "--agent-id"} of \`property set\`.`,
      )
      .addOption(propertyOption())
      .addOption(jsonOption())
      .action(async (options: { property: string; json?: boolean }) => {
        const guestCards = configuredGuestCards(context.config().resman);
        const lookups: ResmanLookup[] = await withStores(context, async (stores) => {
          const [registered] = await propertiesToReconcile(stores.reconcile, options.property);
          if (registered === undefined)
            throw new InvalidInputError(`no property ${options.property}`);
          const access = {
            resmanPropertyId: registered.resmanPropertyId,
            resmanAccountId: registered.resmanAccountId,
            api: registered.api,
          };
          return name === "sources"
            ? guestCards.prospectSources(access)
            : guestCards.employees(access);
        });
        if (options.json === true) {
          io.stdout.write(`${JSON.stringify(lookups, null, 2)}\n`);
          return;
        }
        const table = new Table({ ...plain, head: ["id", "name"] });
        for (const lookup of lookups) table.push([lookup.id, lookup.name]);
        io.stdout.write(`${table.toString()}\n`);
      });
  }
}
