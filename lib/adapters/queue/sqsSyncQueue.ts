/**
 * The sync queue on SQS. One `SendMessage` per message, the message as its JSON body (a webhook
 * envelope is a few KB, far below the SQS message limit). Every SDK or network failure becomes
 * `QueueUnavailableError`, so callers handle one type whatever the SDK throws; the SDK error is
 * kept as `cause` but its text never reaches the message (it may quote the request).
 */
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { QueueUnavailableError } from "../../app/errors.js";
import type { SyncQueue } from "../../app/ports.js";
import type { SyncMessage } from "../../domain/events.js";

/** `SyncQueue` over an SQS queue. The client is injected: built once per cold start. */
export class SqsSyncQueue implements SyncQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: SyncMessage): Promise<string> {
    let messageId: string | undefined;
    try {
      const output = await this.client.send(
        new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }),
      );
      messageId = output.MessageId;
    } catch (error) {
      throw new QueueUnavailableError("the sync queue did not accept the message", {
        cause: error,
      });
    }
    if (messageId === undefined) {
      throw new QueueUnavailableError("the sync queue returned no message id");
    }
    return messageId;
  }
}

/**
 * An SQS client from the SDK's standard configuration (region, credentials, and endpoint
 * variables such as `AWS_ENDPOINT_URL_SQS` for a local queue). Call once per cold start.
 */
export function createSqsClient(): SQSClient {
  return new SQSClient({});
}
