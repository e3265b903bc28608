/**
 * `contact-sync start` (what `npm start` runs): the local stack of `lib/local/start.ts` (the
 * bundled sample, the ResMan stand-in's demo), then, on the embedded database, serving it (and
 * the stand-in) to other commands until Ctrl-C.
 */
import { type Command, InvalidArgumentError } from "commander";
import { localRetry } from "../../local/localConsole.js";
import {
  drainLocalQueue,
  publishLocalOutbox,
  startLocalService,
} from "../../local/localService.js";
import { DEFAULT_LOCAL_PORT, LOCAL_WEBHOOK_SECRET } from "../../local/server.js";
import { serveUntilStopped, startLocalStack } from "../../local/start.js";
import { type CommandContext, withDatabase } from "../context.js";
import { counted } from "../output.js";

/** The local schedule's period (60 s; the AWS schedule's is RECONCILE_PERIOD_MINUTES). */
const RECONCILE_EVERY_MS = 60_000;

/** `--port`: 0 to 65535. */
function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65_535) {
    throw new InvalidArgumentError("must be a port number (0 to 65535)");
  }
  return n;
}

/** Registers `start`. */
export function registerStart(program: Command, { io, config }: CommandContext): void {
  program
    .command("start")
    .summary("run the local stack on the bundled sample (what `npm start` runs)")
    .description(
      "Migrate the database (embedded PGlite in .data/pglite unless DATABASE_URL is set), import the bundled sample of ResMan people, reconcile a community of an in-process ResMan stand-in and push a demo chatbot lead to it as a guest card, and print the summaries and sync health. On the embedded database it then keeps the database open for the commands you run in other terminals (they go through this process) until Ctrl-C; in a script (no terminal) it stops after the sample.",
    )
    .option(
      "--serve",
      "keep serving the embedded database after the sample, even without a terminal",
    )
    .option("--once", "stop after the sample, even in a terminal")
    .option(
      "--port <port>",
      "port of the local HTTP server while serving (127.0.0.1 only; 0: any free port)",
      port,
      DEFAULT_LOCAL_PORT,
    )
    .action(async (options: { serve?: boolean; once?: boolean; port: number }) => {
      const serve = options.once ? false : (options.serve ?? io.interactive === true);
      const settings = config();
      await withDatabase(
        settings,
        async (handle) => {
          const demo = await startLocalStack(handle, io.stdout);
          try {
            if (serve && handle.driver === "pglite") {
              const secrets = settings.webhookSecrets ?? [LOCAL_WEBHOOK_SECRET];
              const service = await startLocalService(handle, {
                port: options.port,
                webhookSecrets: secrets,
                maxReceiveCount: settings.maxReceiveCount,
                out: io.stdout,
                retryLink: localRetry(handle, demo.source),
              });
              try {
                io.stdout.write(
                  `\nLocal service at ${service.url}:\n` +
                    `  ${service.url}/console/                  the operator console (review queue, contacts, sync health, rules)\n` +
                    `  POST ${service.url}/webhooks/resman   signed with ${settings.webhookSecrets === undefined ? `the local secret ${LOCAL_WEBHOOK_SECRET}` : "WEBHOOK_SECRETS"} (\`contact-sync send-webhook\`)\n` +
                    `  POST ${service.url}/events            chatbot events (\`contact-sync send-event\`)\n` +
                    "  the sync worker drains the local queue every second (dead letters back: `contact-sync redrive --local`)\n" +
                    "  the stand-in's community is reconciled, and its leads pushed, every minute\n" +
                    "Ready.\n",
                );
                // The schedule, locally: every minute the stand-in's community is reconciled
                // and its waiting leads pushed (changes made through the stand-in's admin API
                // show up here).
                const schedule = setInterval(() => {
                  demo.cycle().then(
                    (lines) => {
                      for (const line of lines) io.stdout.write(`schedule: ${line}\n`);
                    },
                    (error: unknown) => {
                      const code = (error as { code?: unknown }).code;
                      io.stdout.write(`schedule: failed (${String(code ?? "error")})\n`);
                    },
                  );
                }, RECONCILE_EVERY_MS);
                try {
                  await serveUntilStopped(io.stdout, {
                    throughAnotherProcess: handle.throughAnotherProcess === true,
                  });
                } finally {
                  clearInterval(schedule);
                }
              } finally {
                await service.close();
              }
            } else {
              const drained = await drainLocalQueue(handle, settings.maxReceiveCount);
              io.stdout.write(
                `\nLocal queue: ${drained.succeeded} processed, ${drained.deadLettered} dead-lettered, ${drained.remaining} left.\n`,
              );
              // Only the embedded database's outbox is this process's to empty, as the serving
              // worker does: on a server another process may publish it to a real bus.
              if (handle.driver === "pglite") {
                const published = await publishLocalOutbox(handle);
                io.stdout.write(
                  `Outbox: ${counted(published, "outbound event")} marked published (no event bus locally: nobody receives them; on AWS they go to EventBridge).\n`,
                );
              }
            }
          } finally {
            await demo.close();
          }
        },
        { migratesItself: true },
      );
    });
}
