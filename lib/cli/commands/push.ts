/**
 * `contact-sync push`: sends the chatbot leads waiting to become ResMan guest cards, in this
 * process, for one property or every property with the push on; one line per lead (ids and
 * outcome, never personal data) or JSON. Exit 0 when nothing failed, 1 otherwise.
 */
import type { Command } from "commander";
import {
  configuredGuestCards,
  configuredResmanSource,
} from "../../adapters/resman/configuredSource.js";
import { systemClock } from "../../app/ports/clock.js";
import { propertiesToReconcile } from "../../app/propertyRegistry.js";
import { type PushLine, pushGuestCards, readyToPush } from "../../app/pushGuestCards.js";
import { InvalidInputError } from "../../domain/errors.js";
import { type CommandContext, EXIT_FAILURE, ExitError, withStores } from "../context.js";
import {
  allPropertiesOption,
  jsonOption,
  propertyFilterOption,
  requirePropertyOrAll,
} from "../options.js";
import { counted, formatPushLine } from "../output.js";

/** `push --json`: one entry per lead, snake_case, ids and outcome only. */
function lineRecord(resmanPropertyId: string, line: PushLine) {
  return {
    resman_property_id: resmanPropertyId,
    link_id: line.linkId,
    user_id: line.contactId,
    outcome: line.outcome,
    resman_prospect_id: line.prospectId,
    resman_contact_id: line.personId,
    error: line.error,
  };
}

/** Registers `push`. */
export function registerPush(program: Command, context: CommandContext): void {
  const { io } = context;
  program
    .command("push")
    .summary("send chatbot leads to ResMan as guest cards")
    .description(
      "Send the chatbot leads waiting to reach ResMan (properties with `property set --push-guest-cards on`) in this process: each lead is searched in ResMan first (email, phone, name); a prospect found gets the conversation as an event, an applicant or resident found gets nothing (the lead is linked in DomIQ only), else a new guest card is created and its PersonID stored on the lead's link. A lead is sent once: a retry after an answer that never came searches again before creating.",
    )
    .addOption(propertyFilterOption())
    .addOption(allPropertiesOption("every registered property with the push on"))
    .option("--retry-failed", "also send the leads ResMan refused before (after fixing the cause)")
    .option("--dry-run", "search ResMan and say what would be sent; send and record nothing")
    .addOption(jsonOption())
    .action(
      async (options: {
        property?: string;
        all?: boolean;
        retryFailed?: boolean;
        dryRun?: boolean;
        json?: boolean;
      }) => {
        requirePropertyOrAll(options);
        const guestCards = configuredGuestCards(context.config().resman);
        const source = configuredResmanSource(context.config().resman);
        const results = await withStores(context, async (stores) => {
          const registered = await stores.reconcile.registered();
          const chosen =
            options.property === undefined
              ? registered
              : await propertiesToReconcile(stores.reconcile, options.property);
          const out: { resmanPropertyId: string; lines: PushLine[] }[] = [];
          for (const property of chosen) {
            const settings = await stores.push.pushSettings(property.id);
            if (!readyToPush(settings)) {
              if (options.property !== undefined) {
                throw new InvalidInputError(
                  `the guest-card push is off for ${property.resmanPropertyId}: \`contact-sync property set --push-guest-cards on\``,
                );
              }
              continue;
            }
            const lines = await pushGuestCards(
              { store: stores.push, guestCards, source, clock: systemClock },
              property,
              { dryRun: options.dryRun === true, includeFailed: options.retryFailed === true },
            );
            out.push({ resmanPropertyId: property.resmanPropertyId, lines });
          }
          return out;
        });
        const all = results.flatMap((r) => r.lines.map((line) => ({ r, line })));
        if (options.json === true) {
          io.stdout.write(
            `${JSON.stringify(
              all.map(({ r, line }) => lineRecord(r.resmanPropertyId, line)),
              null,
              2,
            )}\n`,
          );
        } else if (all.length === 0) {
          io.stdout.write("No leads waiting for ResMan.\n");
        } else {
          for (const { r, line } of all)
            io.stdout.write(`${formatPushLine(r.resmanPropertyId, line)}\n`);
        }
        const failed = all.filter(
          ({ line }) => line.outcome === "failed" || line.outcome === "unknown",
        );
        if (failed.length > 0) {
          io.stderr.write(
            `contact-sync: ${counted(failed.length, "lead")} not sent (see the lines above; failed ones need --retry-failed once the cause is fixed)\n`,
          );
          throw new ExitError(EXIT_FAILURE);
        }
      },
    );
}
