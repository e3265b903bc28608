/**
 * `contact-sync resman-stub`: runs the ResMan stand-in (`lib/local/resmanStub/`) until Ctrl-C
 * or SIGTERM, and prints what a client needs to reach it: the v2, v1 and admin URLs, the local
 * credentials (fake values, made for this stand-in) and the seeded properties. With
 * `--verbose`, one line per API request (method, path, status, time; never a person's data).
 */

import type { Command } from "commander";
import { InvalidArgumentError, Option } from "commander";
import { type ResmanStubOptions, startResmanStub } from "../../local/resmanStub/server.js";
import type { CommandContext } from "../context.js";
import { positiveInteger } from "../options.js";

const DEFAULT_PORT = 8787;

/** A whole number from 0 to `max`. */
function wholeNumber(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > max) {
      throw new InvalidArgumentError(`must be a whole number from 0 to ${max}`);
    }
    return n;
  };
}

interface StubCliOptions {
  port: number;
  host: string;
  seed: number;
  properties: number;
  people: number;
  verbose?: boolean;
}

/** Registers `resman-stub`. */
export function registerResmanStub(program: Command, context: CommandContext): void {
  const { io } = context;
  program
    .command("resman-stub")
    .summary("run a local stand-in for the ResMan API (seeded fictional data)")
    .description(
      "Run a local stand-in for ResMan's v2 and v1 read APIs, seeded with deterministic fictional people (the same seed gives the same data), with an admin API under /_admin to change people and inject faults. Prints the URLs, the local credentials and the seeded properties, then serves until Ctrl-C.",
    )
    .addOption(
      new Option("--port <port>", "port to listen on (0: any free port)")
        .argParser(wholeNumber(65_535))
        .default(DEFAULT_PORT),
    )
    .addOption(new Option("--host <host>", "address to listen on").default("127.0.0.1"))
    .addOption(
      new Option("--seed <n>", "seed of the generated data")
        .argParser(wholeNumber(2 ** 32 - 1))
        .default(1),
    )
    .addOption(
      new Option("--properties <k>", "number of seeded properties")
        .argParser(positiveInteger)
        .default(2),
    )
    .addOption(
      new Option("--people <n>", "people per property (about)")
        .argParser(positiveInteger)
        .default(50),
    )
    .option("--verbose", "print one line per API request (never a person's data)")
    .action(async (options: StubCliOptions) => {
      const stubOptions: ResmanStubOptions = {
        port: options.port,
        host: options.host,
        seed: options.seed,
        properties: options.properties,
        people: options.people,
      };
      if (options.verbose === true) {
        stubOptions.onCall = (call) =>
          io.stdout.write(
            `${call.method} ${call.api === null ? "" : `/${call.api}`}${call.path} ${call.status} ${call.ms}ms${call.fault === null ? "" : ` (fault: ${call.fault})`}\n`,
          );
      }
      const stub = await startResmanStub(stubOptions);
      const out = io.stdout;
      out.write(
        `ResMan stand-in (seed ${options.seed}, about ${options.people} people per property)\n` +
          `  v2 URL (RESMAN_V2_URL): ${stub.v2Url}\n` +
          `  v1 URL:                 ${stub.v1Url}\n` +
          `  admin URL:              ${stub.url}/_admin\n` +
          `  IntegrationPartnerID:   ${stub.partnerId}\n` +
          `  ApiKey:                 ${stub.apiKey}  (a local test value)\n` +
          "Properties (AccountID, PropertyID, name):\n",
      );
      for (const property of stub.properties) {
        out.write(`  ${property.accountId}  ${property.propertyId}  ${property.name}\n`);
      }
      out.write(
        "For contact-sync in another terminal (then `contact-sync property add` and `reconcile`):\n" +
          `  export RESMAN_V2_URL=${stub.v2Url} RESMAN_V1_URL=${stub.v1Url} ` +
          `RESMAN_INTEGRATION_PARTNER_ID=${stub.partnerId} RESMAN_API_KEY=${stub.apiKey}\n` +
          "Every property above at once (its list as JSON, given to `property add --file`):\n" +
          `  curl -s ${stub.url}/_admin/properties > stand-in.json && contact-sync property add --file stand-in.json\n` +
          "Serving. Ctrl-C to stop.\n",
      );
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        const stop = (received: NodeJS.Signals) => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          resolve(received);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      out.write(`Stopping (${signal}).\n`);
      await stub.close();
    });
}
