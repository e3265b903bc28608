/**
 * The DLQ redrive adapter against a mocked SQS: queue URLs are resolved to ARNs (SQS's message
 * move API takes ARNs only), the move task is started with exactly what was asked, and every
 * SQS failure becomes one `RedriveError` naming the step and AWS's error code.
 */
import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  QueueDoesNotExist,
  RequestThrottled,
  SQSClient,
  StartMessageMoveTaskCommand,
  UnsupportedOperation,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { RedriveError, redriveStatus, startRedrive } from "../../lib/adapters/queue/redrive.js";

const DLQ_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/contact-sync-dlq";
const DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:contact-sync-dlq";
const QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/contact-sync";
const QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:contact-sync";
const HANDLE = "eyJ0YXNrSWQiOiJkYjY5ZjA0Ny0wZmQ2LTQ4ZTMtOWY2Yi1hZTRkNDc4ODY5YjMifQ==";

const client = new SQSClient({ region: "us-east-1" });
const sqs = mockClient(client);

beforeEach(() => {
  sqs.reset();
  sqs
    .on(GetQueueAttributesCommand, { QueueUrl: DLQ_URL })
    .resolves({ Attributes: { QueueArn: DLQ_ARN, ApproximateNumberOfMessages: "17" } })
    .on(GetQueueAttributesCommand, { QueueUrl: QUEUE_URL })
    .resolves({ Attributes: { QueueArn: QUEUE_ARN, ApproximateNumberOfMessages: "0" } })
    .on(StartMessageMoveTaskCommand)
    .resolves({ TaskHandle: HANDLE });
});

describe("startRedrive", () => {
  it("resolves both queue URLs to ARNs and moves the DLQ's messages to the sync queue", async () => {
    const started = await startRedrive({ client, dlq: DLQ_URL, destination: QUEUE_URL });

    expect(started).toEqual({
      taskHandle: HANDLE,
      sourceArn: DLQ_ARN,
      destinationArn: QUEUE_ARN,
      approximateMessages: 17,
    });
    expect(sqs).toHaveReceivedCommandWith(GetQueueAttributesCommand, {
      QueueUrl: DLQ_URL,
      AttributeNames: ["QueueArn", "ApproximateNumberOfMessages"],
    });
    expect(sqs).toHaveReceivedCommandTimes(StartMessageMoveTaskCommand, 1);
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: DLQ_ARN,
      DestinationArn: QUEUE_ARN,
    });
  });

  it("takes ARNs as they are, without reading queue attributes", async () => {
    const started = await startRedrive({
      client,
      dlq: DLQ_ARN,
      destination: QUEUE_ARN,
      maxMessagesPerSecond: 50,
    });

    expect(started.approximateMessages).toBeUndefined();
    expect(sqs).not.toHaveReceivedCommand(GetQueueAttributesCommand);
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: DLQ_ARN,
      DestinationArn: QUEUE_ARN,
      MaxNumberOfMessagesPerSecond: 50,
    });
  });

  it("without a destination, lets SQS move the messages back to their source queues", async () => {
    const started = await startRedrive({ client, dlq: DLQ_URL });

    expect(started.destinationArn).toBeUndefined();
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: DLQ_ARN,
    });
  });

  it("maps a missing queue to RedriveError with the AWS code, and starts nothing", async () => {
    sqs
      .on(GetQueueAttributesCommand, { QueueUrl: DLQ_URL })
      .rejects(
        new QueueDoesNotExist({ message: "The specified queue does not exist.", $metadata: {} }),
      );

    const error = await startRedrive({ client, dlq: DLQ_URL, destination: QUEUE_URL }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(RedriveError);
    expect(error).toMatchObject({
      code: "redrive_failed",
      awsErrorCode: "QueueDoesNotExist",
      retryable: false,
      message: "reading the dead-letter queue's attributes failed (QueueDoesNotExist)",
    });
    expect(sqs).not.toHaveReceivedCommand(StartMessageMoveTaskCommand);
  });

  it("maps a refused move task (one already running) to RedriveError", async () => {
    sqs
      .on(StartMessageMoveTaskCommand)
      .rejects(new UnsupportedOperation({ message: "task already running", $metadata: {} }));

    await expect(startRedrive({ client, dlq: DLQ_URL })).rejects.toMatchObject({
      name: "RedriveError",
      awsErrorCode: "UnsupportedOperation",
      message: "starting the message move task failed (UnsupportedOperation)",
    });
  });

  it("calls throttling and network failures retryable, with the network error's code", async () => {
    sqs
      .on(StartMessageMoveTaskCommand)
      .rejectsOnce(new RequestThrottled({ message: "slow down", $metadata: {} }))
      .rejectsOnce(
        Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4566"), {
          code: "ECONNREFUSED",
          $metadata: { attempts: 3 },
        }),
      );

    await expect(startRedrive({ client, dlq: DLQ_ARN })).rejects.toMatchObject({
      awsErrorCode: "RequestThrottled",
      retryable: true,
    });
    await expect(startRedrive({ client, dlq: DLQ_ARN })).rejects.toMatchObject({
      awsErrorCode: "ECONNREFUSED",
      retryable: true,
    });
  });

  it("fails clearly when SQS returns no task handle", async () => {
    sqs.on(StartMessageMoveTaskCommand).resolves({});

    await expect(startRedrive({ client, dlq: DLQ_ARN })).rejects.toMatchObject({
      awsErrorCode: "MissingTaskHandle",
    });
  });
});

describe("redriveStatus", () => {
  it("lists the DLQ's recent move tasks by its ARN", async () => {
    const started = Date.UTC(2025, 2, 1, 12, 0, 0);
    sqs.on(ListMessageMoveTasksCommand).resolves({
      Results: [
        {
          TaskHandle: HANDLE,
          Status: "RUNNING",
          SourceArn: DLQ_ARN,
          ApproximateNumberOfMessagesMoved: 5,
          ApproximateNumberOfMessagesToMove: 17,
          StartedTimestamp: started,
        },
        {
          Status: "FAILED",
          SourceArn: DLQ_ARN,
          DestinationArn: QUEUE_ARN,
          FailureReason: "AWS.SimpleQueueService.NonExistentQueue",
          StartedTimestamp: started / 1000,
        },
      ],
    });

    const tasks = await redriveStatus({ client, dlq: DLQ_URL });

    expect(sqs).toHaveReceivedCommandWith(ListMessageMoveTasksCommand, {
      SourceArn: DLQ_ARN,
      MaxResults: 10,
    });
    expect(tasks).toEqual([
      {
        status: "RUNNING",
        taskHandle: HANDLE,
        sourceArn: DLQ_ARN,
        destinationArn: undefined,
        approximateMessagesMoved: 5,
        approximateMessagesToMove: 17,
        failureReason: undefined,
        startedAt: new Date(started),
      },
      {
        status: "FAILED",
        taskHandle: undefined,
        sourceArn: DLQ_ARN,
        destinationArn: QUEUE_ARN,
        approximateMessagesMoved: undefined,
        approximateMessagesToMove: undefined,
        failureReason: "AWS.SimpleQueueService.NonExistentQueue",
        // A timestamp in seconds is read as seconds, not as a date in 1970.
        startedAt: new Date(started),
      },
    ]);
  });

  it("maps a listing failure to RedriveError", async () => {
    sqs.on(ListMessageMoveTasksCommand).rejects(
      Object.assign(new Error("denied"), {
        name: "AccessDenied",
        $fault: "client",
        $metadata: { httpStatusCode: 403 },
      }),
    );

    await expect(redriveStatus({ client, dlq: DLQ_ARN })).rejects.toMatchObject({
      message: "listing the message move tasks failed (AccessDenied)",
      retryable: false,
    });
  });
});
