/**
 * The sync queue's dead-letter depth on AWS, for the console's health page: SQS's
 * `ApproximateNumberOfMessages` of the DLQ (approximate, as SQS says; the DLQ alarm watches
 * the same figure in CloudWatch).
 */
import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { DeadLetterDepth } from "../../app/ports/consoleStore.js";

export function sqsDeadLetterDepth(sqs: SQSClient, queueUrl: string): DeadLetterDepth {
  return {
    depth: async () => {
      const answer = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ["ApproximateNumberOfMessages"],
        }),
      );
      const value = Number(answer.Attributes?.ApproximateNumberOfMessages);
      return Number.isFinite(value) ? value : null;
    },
  };
}
