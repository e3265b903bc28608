/**
 * `contact-sync redrive`: starts an SQS message move task from the sync queue's dead-letter
 * queue back to the sync queue (`lib/adapters/queue/redrive.ts`), or with `--status` lists the
 * recent ones, in lines or as JSON.
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { type Command, InvalidArgumentError, Option } from "commander";
import { LocalSyncQueue } from "../../adapters/queue/localQueue.js";
import {
  type MessageMoveTask,
  type RedriveStarted,
  redriveStatus,
  startRedrive,
} from "../../adapters/queue/redrive.js";
import { ConfigError } from "../../config.js";
import { InvalidInputError } from "../../domain/errors.js";
import { type CliIo, type CommandContext, withDatabase } from "../context.js";
import { jsonOption } from "../options.js";
import { counted } from "../output.js";

/** A queue URL as SQS prints it (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
function queueUrl(value: string): string {
  const url = URL.parse(value.trim());
  if (url === null || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new InvalidArgumentError("must be a queue URL (https://sqs.<region>.amazonaws.com/…)");
  }
  return value.trim();
}

/** The options of `redrive`, as commander parsed them. */
interface RedriveCommandOptions {
  dlq?: string;
  to?: string;
  status?: boolean;
  json?: boolean;
}

/** Registers `redrive`. */
export function registerRedrive(program: Command, { io, config }: CommandContext): void {
  program
    .command("redrive")
    .summary("move the dead-letter queue's messages back to the sync queue")
    .description(
      "Start an SQS message move task that moves every message of the sync queue's dead-letter queue back to the sync queue, where the worker processes them again (an event already synced is skipped, so nothing is applied twice). With --status, show the dead-letter queue's recent move tasks instead.",
    )
    .option("--dlq <url>", "dead-letter queue URL (default: SYNC_DLQ_URL)", queueUrl)
    .option(
      "--to <url>",
      "destination queue URL (default: SYNC_QUEUE_URL, else the queues the messages came from)",
      queueUrl,
    )
    .addOption(
      new Option("--status", "show the recent move tasks instead of starting one").conflicts("to"),
    )
    .addOption(
      new Option(
        "--local",
        "move the local stack's dead letters (npm start's queue in the database) back instead",
      ).conflicts(["dlq", "to", "status"]),
    )
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nEnvironment:\n" +
        "  SYNC_DLQ_URL, SYNC_QUEUE_URL   the queues, when --dlq / --to are not given\n" +
        "  AWS_REGION, AWS_PROFILE…      the AWS SDK's standard configuration\n" +
        "  AWS_ENDPOINT_URL_SQS          a local SQS endpoint\n" +
        "\nExit code: 0 when the task started (or the status was shown), 1 when SQS refused,\n" +
        "2 for bad arguments or no dead-letter queue URL.",
    )
    .action(async (options: RedriveCommandOptions & { local?: boolean }) => {
      const settings = config();
      if (options.local === true) {
        const moved = await withDatabase(settings, (handle) =>
          new LocalSyncQueue(handle.db, { maxReceiveCount: settings.maxReceiveCount }).redrive(),
        );
        io.stdout.write(
          options.json
            ? `${JSON.stringify({ moved }, null, 2)}\n`
            : `Moved ${counted(moved, "message")} from the local dead-letter queue back to the local sync queue.\n`,
        );
        return;
      }
      const dlq = options.dlq ?? settings.syncDlqUrl;
      if (dlq === undefined) {
        throw new InvalidInputError("no dead-letter queue: pass --dlq <url> or set SYNC_DLQ_URL");
      }
      await withSqs(io, async (client) => {
        if (options.status) {
          const tasks = await redriveStatus({ client, dlq });
          io.stdout.write(
            options.json
              ? `${JSON.stringify(redriveTaskRecords(tasks), null, 2)}\n`
              : formatRedriveTasks(tasks),
          );
          return;
        }
        const started = await startRedrive({
          client,
          dlq,
          destination: options.to ?? settings.syncQueueUrl,
        });
        io.stdout.write(
          options.json
            ? `${JSON.stringify(redriveStartedRecord(started), null, 2)}\n`
            : formatRedriveStarted(started),
        );
      });
    });
}

/**
 * Runs `work` with the injected SQS client, or one built from the SDK's standard configuration
 * (region, credentials, `AWS_ENDPOINT_URL_SQS`) and closed afterwards.
 */
async function withSqs<T>(io: CliIo, work: (client: SQSClient) => Promise<T>): Promise<T> {
  const injected = io.aws?.sqs;
  const client = injected ?? new SQSClient({});
  try {
    if (injected === undefined) {
      // Otherwise the SDK's bare "Region is missing" surfaces as an unexplained failure.
      await client.config.region().catch(() => {
        throw new ConfigError("missing AWS region: set AWS_REGION (or a profile with a region)");
      });
    }
    return await work(client);
  } finally {
    if (injected === undefined) client.destroy();
  }
}

/** What `redrive` prints once the move task started. */
function formatRedriveStarted(started: RedriveStarted): string {
  const count =
    started.approximateMessages === undefined
      ? "an unknown number of"
      : `about ${started.approximateMessages}`;
  return (
    `Redrive started: task ${started.taskHandle}\n` +
    `  from ${started.sourceArn}\n` +
    `  to   ${started.destinationArn ?? "the queues the messages came from"}\n` +
    `  ${count} messages to move\n` +
    "Follow it with `contact-sync redrive --status`.\n"
  );
}

/** `redrive --json`: snake_case like every JSON output of the CLI, null for unknown. */
function redriveStartedRecord(started: RedriveStarted) {
  return {
    task_handle: started.taskHandle,
    source_arn: started.sourceArn,
    destination_arn: started.destinationArn ?? null,
    approximate_messages: started.approximateMessages ?? null,
  };
}

/** `redrive --status --json`. */
function redriveTaskRecords(tasks: readonly MessageMoveTask[]) {
  return tasks.map((task) => ({
    status: task.status,
    task_handle: task.taskHandle ?? null,
    source_arn: task.sourceArn ?? null,
    destination_arn: task.destinationArn ?? null,
    approximate_messages_moved: task.approximateMessagesMoved ?? null,
    approximate_messages_to_move: task.approximateMessagesToMove ?? null,
    failure_reason: task.failureReason ?? null,
    started_at: task.startedAt?.toISOString() ?? null,
  }));
}

/** What `redrive --status` prints: one line per move task, newest first. */
function formatRedriveTasks(tasks: readonly MessageMoveTask[]): string {
  if (tasks.length === 0) return "No message move tasks for this dead-letter queue.\n";
  return tasks
    .map((task) => {
      const parts = [task.status.padEnd(10)];
      if (task.startedAt !== undefined) parts.push(`started ${task.startedAt.toISOString()}`);
      parts.push(
        `moved ${task.approximateMessagesMoved ?? "?"} of ${task.approximateMessagesToMove ?? "?"}`,
      );
      if (task.taskHandle !== undefined) parts.push(`task ${task.taskHandle}`);
      if (task.failureReason !== undefined) parts.push(`reason: ${task.failureReason}`);
      return `${parts.join("  ")}\n`;
    })
    .join("");
}
