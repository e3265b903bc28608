/**
 * Redrive of the sync queue's dead-letter queue (`contact-sync redrive`): SQS moves the DLQ's
 * messages back to the sync queue with a message move task. Re-processing is safe: the worker's
 * inbox drops an event it already committed. SQS identifies queues by ARN here, so queue URLs
 * are resolved with `GetQueueAttributes`.
 */
import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import { ContactSyncError } from "../../domain/errors.js";

/** An SQS call of the redrive failed. The message names the step and AWS's error code only. */
export class RedriveError extends ContactSyncError {
  readonly code = "redrive_failed";
  readonly retryable: boolean;

  constructor(
    step: string,
    /** AWS's error code (`QueueDoesNotExist`, `AccessDenied`…), or the network error's code. */
    readonly awsErrorCode: string,
    options: { retryable: boolean; cause?: unknown },
  ) {
    super(`${step} failed (${awsErrorCode})`, { cause: options.cause });
    this.retryable = options.retryable;
  }
}

const throttlingCodes = new Set(["RequestThrottled", "ThrottlingException", "KmsThrottled"]);

/** Runs one SQS call, mapping what the SDK throws to a `RedriveError` for `step`. */
async function sqsStep<T>(step: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const sdk = error as { name?: unknown; code?: unknown; $fault?: unknown };
    // An answer from SQS is a service exception (with `$fault`) named by AWS's error code;
    // anything else never reached SQS (a network error, with Node's code, e.g. ECONNREFUSED).
    const answered = sdk.$fault !== undefined;
    const code =
      !answered && typeof sdk.code === "string"
        ? sdk.code
        : typeof sdk.name === "string"
          ? sdk.name
          : "UnknownError";
    throw new RedriveError(step, code, {
      // SQS's throttling errors are client faults, yet they pass.
      retryable: !answered || sdk.$fault === "server" || throttlingCodes.has(code),
      cause: error,
    });
  }
}

const SQS_ARN = /^arn:aws[a-z-]*:sqs:/;

/** A queue given by URL or ARN, resolved to its ARN (and its backlog, when read). */
async function resolveQueue(
  client: SQSClient,
  queue: string,
  role: "dead-letter queue" | "destination queue",
): Promise<{ arn: string; approximateMessages: number | undefined }> {
  if (SQS_ARN.test(queue)) return { arn: queue, approximateMessages: undefined };
  const { Attributes } = await sqsStep(`reading the ${role}'s attributes`, () =>
    client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue,
        AttributeNames: ["QueueArn", "ApproximateNumberOfMessages"],
      }),
    ),
  );
  const arn = Attributes?.QueueArn;
  if (arn === undefined) {
    throw new RedriveError(`reading the ${role}'s attributes`, "MissingQueueArn", {
      retryable: false,
    });
  }
  const count = Number(Attributes?.ApproximateNumberOfMessages);
  return { arn, approximateMessages: Number.isFinite(count) ? count : undefined };
}

/** What to redrive. Queues are given by URL or ARN. */
export interface RedriveOptions {
  client: SQSClient;
  /** The dead-letter queue to empty. */
  dlq: string;
  /** Where the messages go; default: back to the queues they came from (SQS's default). */
  destination?: string | undefined;
  /** Cap on messages moved per second (1–500); default: SQS adapts the rate to the backlog. */
  maxMessagesPerSecond?: number | undefined;
}

/** A started message move task. */
export interface RedriveStarted {
  taskHandle: string;
  sourceArn: string;
  /** Undefined when the messages go back to their source queues. */
  destinationArn: string | undefined;
  /** The DLQ's `ApproximateNumberOfMessages` before the move (unknown when given an ARN). */
  approximateMessages: number | undefined;
}

/**
 * Starts moving every message of the DLQ to the destination. Throws `RedriveError` when SQS
 * refuses (no such queue, no permission, a move task already running on that DLQ…).
 */
export async function startRedrive(options: RedriveOptions): Promise<RedriveStarted> {
  const { client } = options;
  const source = await resolveQueue(client, options.dlq, "dead-letter queue");
  const destinationArn =
    options.destination === undefined
      ? undefined
      : (await resolveQueue(client, options.destination, "destination queue")).arn;
  const { TaskHandle } = await sqsStep("starting the message move task", () =>
    client.send(
      new StartMessageMoveTaskCommand({
        SourceArn: source.arn,
        ...(destinationArn === undefined ? {} : { DestinationArn: destinationArn }),
        ...(options.maxMessagesPerSecond === undefined
          ? {}
          : { MaxNumberOfMessagesPerSecond: options.maxMessagesPerSecond }),
      }),
    ),
  );
  if (TaskHandle === undefined) {
    throw new RedriveError("starting the message move task", "MissingTaskHandle", {
      retryable: false,
    });
  }
  return {
    taskHandle: TaskHandle,
    sourceArn: source.arn,
    destinationArn,
    approximateMessages: source.approximateMessages,
  };
}

/** One message move task of a DLQ, as SQS reports it. */
export interface MessageMoveTask {
  /** RUNNING, COMPLETED, CANCELLING, CANCELLED or FAILED. */
  status: string;
  /** Present while the task runs (it can be cancelled with it). */
  taskHandle: string | undefined;
  sourceArn: string | undefined;
  destinationArn: string | undefined;
  approximateMessagesMoved: number | undefined;
  /** The DLQ's backlog when the task started. */
  approximateMessagesToMove: number | undefined;
  failureReason: string | undefined;
  startedAt: Date | undefined;
}

/** The DLQ's most recent message move tasks (SQS keeps up to 10), newest first. */
export async function redriveStatus(options: {
  client: SQSClient;
  dlq: string;
}): Promise<MessageMoveTask[]> {
  const source = await resolveQueue(options.client, options.dlq, "dead-letter queue");
  const { Results } = await sqsStep("listing the message move tasks", () =>
    options.client.send(new ListMessageMoveTasksCommand({ SourceArn: source.arn, MaxResults: 10 })),
  );
  return (Results ?? []).map((task) => ({
    status: task.Status ?? "UNKNOWN",
    taskHandle: task.TaskHandle,
    sourceArn: task.SourceArn,
    destinationArn: task.DestinationArn,
    approximateMessagesMoved: task.ApproximateNumberOfMessagesMoved,
    approximateMessagesToMove: task.ApproximateNumberOfMessagesToMove,
    failureReason: task.FailureReason,
    startedAt: task.StartedTimestamp === undefined ? undefined : epochToDate(task.StartedTimestamp),
  }));
}

/**
 * SQS documents `StartedTimestamp` only as a Long; it is epoch milliseconds, but a value in
 * seconds (anything before 1973 read as ms) is read as seconds rather than shown as 1970.
 */
function epochToDate(epoch: number): Date {
  return new Date(epoch < 1e11 ? epoch * 1000 : epoch);
}
