/**
 * `contact-sync redrive`, run in process with a mocked SQS client passed through the CLI's io:
 * help, the queue URLs from options or the environment, the printed task, `--status`, and the
 * exit codes (2 for a missing or bad URL, 1 when SQS refuses). No database and no AWS is touched.
 */
import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  QueueDoesNotExist,
  SQSClient,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../lib/cli/run.js";
import { type CliRun, expectOneLineError, unreachableDatabaseEnv } from "./harness.js";

const DLQ_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/contact-sync-dlq";
const DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:contact-sync-dlq";
const QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/contact-sync";
const QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:contact-sync";
const OTHER_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/replay";
const OTHER_ARN = "arn:aws:sqs:us-east-1:123456789012:replay";
const HANDLE = "eyJ0YXNrSWQiOiI3ZjNhIn0=";

const client = new SQSClient({ region: "us-east-1" });
const sqs = mockClient(client);

/** The queues from the environment, as deployed; the database is never reached. */
const queuesEnv: NodeJS.ProcessEnv = {
  ...unreachableDatabaseEnv,
  SYNC_DLQ_URL: DLQ_URL,
  SYNC_QUEUE_URL: QUEUE_URL,
};

/** Runs `contact-sync redrive …` in process with the mocked SQS client. */
async function redrive(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(["redrive", ...args], {
    stdout: { write: (text) => stdout.push(text) },
    stderr: { write: (text) => stderr.push(text), isTTY: false },
    env,
    aws: { sqs: client },
  });
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

beforeEach(() => {
  sqs.reset();
  for (const [url, arn, count] of [
    [DLQ_URL, DLQ_ARN, "42"],
    [QUEUE_URL, QUEUE_ARN, "0"],
    [OTHER_URL, OTHER_ARN, "0"],
  ] as const) {
    sqs
      .on(GetQueueAttributesCommand, { QueueUrl: url })
      .resolves({ Attributes: { QueueArn: arn, ApproximateNumberOfMessages: count } });
  }
  sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: HANDLE });
});

describe("contact-sync redrive", () => {
  it("explains itself with --help, naming its options and variables", async () => {
    const run = await redrive(["--help"], {});
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^Usage: contact-sync redrive \[options\]/);
    for (const text of ["--dlq <url>", "--to <url>", "--status", "--json", "SYNC_DLQ_URL"]) {
      expect(run.stdout).toContain(text);
    }
    expect(sqs.calls()).toHaveLength(0);
  });

  it("is listed in the root help", async () => {
    expect(await runRootHelp()).toMatch(/^\s+redrive\b.*dead-letter queue/m);
  });

  it("moves the DLQ from SYNC_DLQ_URL to SYNC_QUEUE_URL and prints the task and the backlog", async () => {
    const run = await redrive([], queuesEnv);

    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain(`Redrive started: task ${HANDLE}`);
    expect(run.stdout).toContain(`from ${DLQ_ARN}`);
    expect(run.stdout).toContain(`to   ${QUEUE_ARN}`);
    expect(run.stdout).toContain("about 42 messages to move");
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: DLQ_ARN,
      DestinationArn: QUEUE_ARN,
    });
  });

  it("prefers --dlq and --to over the environment, and prints JSON with --json", async () => {
    const run = await redrive(
      ["--dlq", DLQ_URL, "--to", OTHER_URL, "--json"],
      unreachableDatabaseEnv,
    );

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      task_handle: HANDLE,
      source_arn: DLQ_ARN,
      destination_arn: OTHER_ARN,
      approximate_messages: 42,
    });
  });

  it("without a destination anywhere, sends the messages back to where they came from", async () => {
    const run = await redrive(["--dlq", DLQ_URL], unreachableDatabaseEnv);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("to   the queues the messages came from");
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: DLQ_ARN,
    });
  });

  it("shows the recent move tasks with --status, starting none", async () => {
    sqs.on(ListMessageMoveTasksCommand).resolves({
      Results: [
        {
          TaskHandle: HANDLE,
          Status: "RUNNING",
          ApproximateNumberOfMessagesMoved: 10,
          ApproximateNumberOfMessagesToMove: 42,
          StartedTimestamp: Date.UTC(2025, 2, 1, 12, 0, 0),
        },
        {
          Status: "COMPLETED",
          ApproximateNumberOfMessagesMoved: 3,
          ApproximateNumberOfMessagesToMove: 3,
        },
      ],
    });

    const run = await redrive(["--status"], queuesEnv);

    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split("\n")).toEqual([
      `RUNNING     started 2025-03-01T12:00:00.000Z  moved 10 of 42  task ${HANDLE}`,
      "COMPLETED   moved 3 of 3",
    ]);
    expect(sqs).toHaveReceivedCommandWith(ListMessageMoveTasksCommand, {
      SourceArn: DLQ_ARN,
      MaxResults: 10,
    });
    expect(sqs).not.toHaveReceivedCommand(StartMessageMoveTaskCommand);
  });

  it("prints the tasks as JSON with --status --json", async () => {
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [{ Status: "CANCELLED" }] });

    const run = await redrive(["--status", "--json"], queuesEnv);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      {
        status: "CANCELLED",
        task_handle: null,
        source_arn: null,
        destination_arn: null,
        approximate_messages_moved: null,
        approximate_messages_to_move: null,
        failure_reason: null,
        started_at: null,
      },
    ]);
  });

  it("says so when the DLQ has no move tasks", async () => {
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [] });
    const run = await redrive(["--status"], queuesEnv);
    expect(run.stdout).toBe("No message move tasks for this dead-letter queue.\n");
  });

  it.each<[string, string[], NodeJS.ProcessEnv, RegExp]>([
    [
      "no DLQ URL anywhere",
      [],
      unreachableDatabaseEnv,
      /no dead-letter queue: pass --dlq <url> or set SYNC_DLQ_URL/,
    ],
    ["a --dlq that is not a URL", ["--dlq", "contact-sync-dlq"], queuesEnv, /--dlq.*queue URL/],
    ["a --to that is not a URL", ["--to", "ftp://queue"], queuesEnv, /--to.*queue URL/],
    [
      "--status with --to",
      ["--status", "--to", QUEUE_URL],
      queuesEnv,
      /--status.*--to|--to.*--status/,
    ],
    [
      "a SYNC_DLQ_URL that is not a URL",
      [],
      { ...unreachableDatabaseEnv, SYNC_DLQ_URL: "not a url" },
      /invalid SYNC_DLQ_URL/,
    ],
  ])("exits 2 with one line for %s, calling no SQS", async (_case, args, env, reason) => {
    const run = await redrive(args, env);
    expectOneLineError(run, 2, reason);
    expect(sqs.calls()).toHaveLength(0);
  });

  it("exits 1 with one line naming the AWS error code when SQS refuses", async () => {
    sqs
      .on(GetQueueAttributesCommand, { QueueUrl: DLQ_URL })
      .rejects(
        new QueueDoesNotExist({ message: "The specified queue does not exist.", $metadata: {} }),
      );

    const run = await redrive([], queuesEnv);

    expectOneLineError(
      run,
      1,
      /reading the dead-letter queue's attributes failed \(QueueDoesNotExist\)$/,
    );
    expect(sqs).not.toHaveReceivedCommand(StartMessageMoveTaskCommand);
  });

  it("exits 1 when the move task cannot start", async () => {
    sqs.on(StartMessageMoveTaskCommand).rejects(
      Object.assign(new Error("denied"), {
        name: "AccessDenied",
        $fault: "client",
        $metadata: { httpStatusCode: 403 },
      }),
    );

    const run = await redrive([], queuesEnv);

    expectOneLineError(run, 1, /starting the message move task failed \(AccessDenied\)/);
  });
});

/** The root help text (`contact-sync --help`). */
async function runRootHelp(): Promise<string> {
  const stdout: string[] = [];
  await runCli(["--help"], {
    stdout: { write: (text) => stdout.push(text) },
    stderr: { write: () => undefined },
    env: {},
  });
  return stdout.join("");
}
