/**
 * The chatbot's side of the contract (design §5): a typed publisher that validates chatbot
 * events against the same zod schemas the sync worker parses them with, then sends them to
 * EventBridge with source `domiq.chatbot`, batched and retried by the shared PutEvents routine.
 * Errors name event positions, field paths, event ids and error codes — never a field's value.
 */
import type { EventBridgeClient, PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { createEventBridgeClient } from "../adapters/events/eventBridgePublisher.js";
import {
  type PutEventsFailure,
  type PutEventsRetryOptions,
  putEventsBatched,
} from "../adapters/events/putEventsBatched.js";
import { ContactSyncError, InvalidInputError } from "../domain/errors.js";
import { CHATBOT_SOURCE, type ChatbotDetailType, chatbotDetailSchemas } from "../domain/events.js";
import type * as z from "../domain/zod.js";
import { type Issue, zodIssues } from "../domain/zodIssues.js";

/** The detail a sender passes for a detail-type (before defaults, e.g. `contact` may be omitted). */
export type ChatbotDetailInput<T extends ChatbotDetailType> = z.input<
  (typeof chatbotDetailSchemas)[T]
>;

/**
 * One chatbot event to publish. A union over the detail-types, so a detail that does not fit its
 * `detailType` is a compile error.
 */
export type ChatbotEventInput = {
  [T in ChatbotDetailType]: { detailType: T; detail: ChatbotDetailInput<T> };
}[ChatbotDetailType];

/** Where and how to publish. */
export interface PublishChatbotEventsOptions {
  /** The bus name or ARN the sync service's rule listens on. */
  eventBusName: string;
  /** An EventBridge client to reuse (default: one shared client with the SDK's standard config). */
  client?: EventBridgeClient;
  /** Backoff of failed entries (default: 4 re-sends, 100 ms doubling to 2 s, with jitter). */
  retry?: PutEventsRetryOptions;
}

/** An event EventBridge did not accept after every retry. */
export interface ChatbotPublishFailure {
  /** Position of the event in the published array. */
  index: number;
  event_id: string;
  /** EventBridge's error code (`ThrottlingException`, `AccessDeniedException`…) or `EntryTooLarge`. */
  errorCode: string;
  /** Whether publishing this event again later may succeed. */
  retryable: boolean;
}

/**
 * Some events were not published after retries. The others were: publishing the whole array
 * again is safe (the sync service deduplicates on `event_id`), or only `failures`.
 */
export class ChatbotPublishError extends ContactSyncError {
  readonly code = "chatbot_publish_failed";
  /** True when every failure is worth retrying later (throttling, an EventBridge outage). */
  readonly retryable: boolean;

  constructor(
    /** The events that were not published, by position, with EventBridge's error code. */
    readonly failures: readonly ChatbotPublishFailure[],
    /** `event_id`s that were published. */
    readonly published: readonly string[],
  ) {
    const codes = [...new Set(failures.map((failure) => failure.errorCode))].sort().join(", ");
    super(
      `${failures.length} of ${failures.length + published.length} chatbot events not published (${codes})`,
    );
    this.retryable = failures.every((failure) => failure.retryable);
  }
}

let sharedClient: Promise<EventBridgeClient> | undefined;

/**
 * One client per process (per Lambda cold start) for callers that bring none, built on the first
 * publish (the SDK is loaded then, not when this module is imported).
 */
function defaultClient(): Promise<EventBridgeClient> {
  sharedClient ??= createEventBridgeClient().catch((error: unknown) => {
    sharedClient = undefined;
    throw error;
  });
  return sharedClient;
}

/** `[2].detail.event_id`: a field of one event of the batch, the way `zodIssues` writes paths. */
function issuePath(index: number, field: string): string {
  return `[${index}].${field}`;
}

/**
 * Validates every event, then builds the entries. Throws `InvalidInputError` listing every
 * problem (path and reason only) before anything is sent: a batch is published whole or not at
 * all as far as validation goes.
 */
function toEntries(
  events: readonly ChatbotEventInput[],
  eventBusName: string,
): { entries: PutEventsRequestEntry[]; eventIds: string[] } {
  const issues: Issue[] = [];
  const entries: PutEventsRequestEntry[] = [];
  const eventIds: string[] = [];
  const firstIndexOf = new Map<string, number>();
  for (const [index, event] of events.entries()) {
    // JavaScript callers and casts can get past the types: the detail-type is checked as well.
    const schema = Object.hasOwn(chatbotDetailSchemas, event.detailType)
      ? chatbotDetailSchemas[event.detailType]
      : undefined;
    if (schema === undefined) {
      issues.push({
        path: issuePath(index, "detailType"),
        message: `must be one of ${Object.keys(chatbotDetailSchemas).join(", ")}`,
      });
      continue;
    }
    const parsed = schema.safeParse(event.detail);
    if (!parsed.success) {
      // zod's messages name the expectation ("expected string"), not the received value.
      issues.push(...zodIssues(parsed.error, { prefix: issuePath(index, "detail") }));
      continue;
    }
    const eventId = parsed.data.event_id;
    const first = firstIndexOf.get(eventId);
    if (first !== undefined) {
      // The sync service would drop the second as a replay of the first.
      issues.push({
        path: issuePath(index, "detail.event_id"),
        message: `repeats the event_id of [${first}]`,
      });
      continue;
    }
    firstIndexOf.set(eventId, index);
    eventIds.push(eventId);
    entries.push({
      EventBusName: eventBusName,
      Source: CHATBOT_SOURCE,
      DetailType: event.detailType,
      // The parsed detail: defaults applied and unknown fields dropped, exactly the contract.
      Detail: JSON.stringify(parsed.data),
    });
  }
  if (issues.length > 0) {
    throw new InvalidInputError(
      `${issues.length} invalid chatbot event field(s): ${issues.map((issue) => issue.path).join(", ")}`,
      issues,
    );
  }
  return { entries, eventIds };
}

/**
 * Publishes chatbot events to the sync service's bus. Every event is validated first; if any is
 * invalid an `InvalidInputError` (field paths like `[2].detail.contact.email`, no values) is
 * thrown and nothing is sent. Valid events go out in PutEvents requests of ≤ 10 entries and
 * < 256 KB; entries EventBridge fails with a retryable code are re-sent with backoff.
 *
 * @returns the published `event_id`s, in input order
 * @throws ChatbotPublishError when some events were still not accepted after retries
 */
export async function publishChatbotEvents(
  events: readonly ChatbotEventInput[],
  options: PublishChatbotEventsOptions,
): Promise<{ published: readonly string[] }> {
  const { entries, eventIds } = toEntries(events, options.eventBusName);
  if (entries.length === 0) return { published: [] };
  const client = options.client ?? (await defaultClient());
  const { failed } = await putEventsBatched(client, entries, options.retry);
  if (failed.length === 0) return { published: eventIds };
  const failedIndexes = new Set(failed.map((failure) => failure.index));
  throw new ChatbotPublishError(
    failed.map(
      (failure: PutEventsFailure): ChatbotPublishFailure => ({
        index: failure.index,
        event_id: eventIds[failure.index] ?? "",
        errorCode: failure.errorCode,
        retryable: failure.retryable,
      }),
    ),
    eventIds.filter((_, index) => !failedIndexes.has(index)),
  );
}
