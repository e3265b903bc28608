/**
 * Publishing to EventBridge: the shared PutEvents routine (chunking to 10 entries and 256 KB,
 * re-sending only failed entries, reporting what still failed), the outbound publisher on top of
 * it, and the chatbot's typed `publishChatbotEvents` (validation before anything is sent).
 * EventBridge is aws-sdk-client-mock: nothing leaves the process.
 * (Over 400 lines as one thing: the one PutEvents routine and the two publishers built on it.)
 */
import { randomUUID } from "node:crypto";
import {
  AccessDeniedException,
  EventBridgeClient,
  InternalException,
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from "@aws-sdk/client-eventbridge";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import * as publicApi from "contact-sync";
import { beforeEach, describe, expect, it } from "vitest";
import {
  createEventBridgeClient,
  EventBridgePublisher,
} from "../../lib/adapters/events/eventBridgePublisher.js";
import {
  chunkEntries,
  ENTRY_TOO_LARGE,
  MAX_REQUEST_BYTES,
  putEventsBatched,
  putEventsEntrySize,
} from "../../lib/adapters/events/putEventsBatched.js";
import { InvalidInputError } from "../../lib/domain/errors.js";
import type { OutboundEvent } from "../../lib/domain/events.js";
import {
  type ChatbotEventInput,
  ChatbotPublishError,
  publishChatbotEvents,
} from "../../lib/publisher/publishChatbotEvents.js";

const BUS = "contact-sync-test-bus";
/** Re-sends without waiting: the backoff itself is p-retry's, not what is under test. */
const FAST = { retries: 3, minTimeout: 1, maxTimeout: 1 } as const;

const eventBridge = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: "us-east-1" });

beforeEach(() => {
  eventBridge.reset();
});

/** The entries of every PutEvents call, in call order. */
function sentBatches(): PutEventsRequestEntry[][] {
  return eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);
}

/** The `event_id` inside each entry's detail. */
function eventIdsOf(entries: readonly PutEventsRequestEntry[]): string[] {
  return entries.map(
    (entry) => (JSON.parse(entry.Detail ?? "{}") as { event_id: string }).event_id,
  );
}

/**
 * A PutEvents answer: every entry accepted, except those `failing` picks (by the entry's
 * event_id), which get the error code it returns.
 */
function answer(failing: (eventId: string) => string | undefined = () => undefined) {
  return (input: PutEventsCommandInput): PutEventsCommandOutput => {
    const results = eventIdsOf(input.Entries ?? []).map((eventId, i): PutEventsResultEntry => {
      const code = failing(eventId);
      return code === undefined
        ? { EventId: `eb-${i}` }
        : { ErrorCode: code, ErrorMessage: "entry failed" };
    });
    return {
      $metadata: {},
      FailedEntryCount: results.filter((result) => result.ErrorCode !== undefined).length,
      Entries: results,
    };
  };
}

function outboundEvent(type: OutboundEvent["type"] = "contact.synced"): OutboundEvent {
  return {
    type,
    detail: {
      event_id: randomUUID(),
      property_id: randomUUID(),
      contact_id: randomUUID(),
      link_id: randomUUID(),
      resman_person_id: randomUUID(),
      status: "success",
      match_score: 0.93,
      occurred_at: "2025-03-01T12:00:00.000Z",
    },
  };
}

function outboundEvents(count: number): OutboundEvent[] {
  return Array.from({ length: count }, (_, i) =>
    outboundEvent(i % 3 === 0 ? "contact.merged" : "contact.synced"),
  );
}

/** A raw entry whose detail is about `bytes` long. */
function entryOfSize(bytes: number, id: string): PutEventsRequestEntry {
  const base = { Source: "test", DetailType: "Sized", EventBusName: BUS };
  const empty = putEventsEntrySize({ ...base, Detail: JSON.stringify({ event_id: id, pad: "" }) });
  return { ...base, Detail: JSON.stringify({ event_id: id, pad: "x".repeat(bytes - empty) }) };
}

describe("putEventsEntrySize", () => {
  it("counts UTF-8 bytes of Source, DetailType, Detail and Resources, 14 for Time, not the bus", () => {
    const entry: PutEventsRequestEntry = {
      Source: "abc",
      DetailType: "é",
      Detail: '{"name":"Zoë 🏠"}',
      Resources: ["arn:1", "arn:22"],
      EventBusName: "a-bus-name-that-is-not-counted",
    };
    // "é" is 2 bytes, "ë" 2 and the emoji 4 in UTF-8.
    const detailBytes = '{"name":"Zo'.length + 2 + 1 + 4 + 2;
    expect(putEventsEntrySize(entry)).toBe(3 + 2 + detailBytes + 5 + 6);
    expect(putEventsEntrySize({ ...entry, Time: new Date() })).toBe(putEventsEntrySize(entry) + 14);
  });
});

describe("chunkEntries", () => {
  it("closes a request at 10 entries", () => {
    const indexes = Array.from({ length: 23 }, (_, i) => i);
    const sizes = indexes.map(() => 100);
    expect(chunkEntries(indexes, sizes).map((request) => request.length)).toEqual([10, 10, 3]);
  });

  it("keeps each request strictly below 256 KB", () => {
    const half = MAX_REQUEST_BYTES / 2;
    // Two exact halves would make 256 KB, which EventBridge refuses ("less than 256KB").
    expect(chunkEntries([0, 1], [half, half])).toEqual([[0], [1]]);
    expect(chunkEntries([0, 1], [half, half - 1])).toEqual([[0, 1]]);
  });
});

describe("EventBridgePublisher", () => {
  it("sends 25 events in 3 PutEvents calls of at most 10, with source, detail-type and bus", async () => {
    eventBridge.on(PutEventsCommand).callsFake(answer());
    const events = outboundEvents(25);

    const result = await new EventBridgePublisher(client, BUS, FAST).publish(events);

    expect(result.failed).toEqual([]);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
    const batches = sentBatches();
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 5]);
    const sent = batches.flat();
    expect(eventIdsOf(sent)).toEqual(events.map((event) => event.detail.event_id));
    for (const [i, entry] of sent.entries()) {
      expect(entry).toEqual({
        EventBusName: BUS,
        Source: "contact-sync",
        DetailType: events[i]?.type,
        Detail: JSON.stringify(events[i]?.detail),
      });
    }
  });

  it("re-sends only the 2 entries EventBridge throttled, then succeeds", async () => {
    const events = outboundEvents(10);
    const throttled = new Set([events[3]?.detail.event_id, events[7]?.detail.event_id]);
    eventBridge
      .on(PutEventsCommand)
      .callsFakeOnce(answer((id) => (throttled.has(id) ? "ThrottlingException" : undefined)))
      .callsFake(answer());

    const result = await new EventBridgePublisher(client, BUS, FAST).publish(events);

    expect(result.failed).toEqual([]);
    const batches = sentBatches();
    expect(batches).toHaveLength(2);
    expect(eventIdsOf(batches[1] ?? [])).toEqual([...throttled]);
  });

  it("reports an entry that keeps failing as failed, without throwing", async () => {
    const events = outboundEvents(12);
    const stuck = events[11]?.detail.event_id;
    eventBridge
      .on(PutEventsCommand)
      .callsFake(answer((id) => (id === stuck ? "ThrottlingException" : undefined)));

    const result = await new EventBridgePublisher(client, BUS, FAST).publish(events);

    expect(result.failed).toEqual([events[11]]);
    // The first attempt (2 requests), then one request per re-send with the stuck entry alone.
    expect(sentBatches().map((batch) => batch.length)).toEqual([10, 2, 1, 1, 1]);
  });

  it("does not re-send an entry failing with a permanent code", async () => {
    const events = outboundEvents(3);
    const malformed = events[1]?.detail.event_id;
    eventBridge
      .on(PutEventsCommand)
      .callsFake(answer((id) => (id === malformed ? "MalformedDetail" : undefined)));

    const result = await new EventBridgePublisher(client, BUS, FAST).publish(events);

    expect(result.failed).toEqual([events[1]]);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it("retries a request the SDK threw for (server fault), sending the same entries", async () => {
    const events = outboundEvents(4);
    eventBridge
      .on(PutEventsCommand)
      .rejectsOnce(new InternalException({ message: "internal", $metadata: {} }))
      .callsFake(answer());

    const result = await new EventBridgePublisher(client, BUS, FAST).publish(events);

    expect(result.failed).toEqual([]);
    const batches = sentBatches();
    expect(batches).toHaveLength(2);
    expect(batches[1]).toEqual(batches[0]);
  });

  it("retries a request that never reached EventBridge (network error)", async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejectsOnce(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))
      .callsFake(answer());

    const result = await new EventBridgePublisher(client, BUS, FAST).publish(outboundEvents(2));

    expect(result.failed).toEqual([]);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
  });

  it("gives up at once when the request is refused (access denied): every event failed", async () => {
    const events = outboundEvents(3);
    eventBridge
      .on(PutEventsCommand)
      .rejects(new AccessDeniedException({ message: "denied", $metadata: {} }));

    const result = await new EventBridgePublisher(client, BUS, FAST).publish(events);

    expect(result.failed).toEqual(events);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it("sends nothing for no events", async () => {
    const result = await new EventBridgePublisher(client, BUS, FAST).publish([]);
    expect(result.failed).toEqual([]);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it("builds its client from the SDK's standard configuration", async () => {
    expect(await createEventBridgeClient()).toBeInstanceOf(EventBridgeClient);
  });
});

describe("putEventsBatched", () => {
  it("splits ~100 KB entries into requests of two, each below 256 KB", async () => {
    eventBridge.on(PutEventsCommand).callsFake(answer());
    const entries = ["a", "b", "c", "d", "e"].map((id) => entryOfSize(100_000, id));

    const { failed } = await putEventsBatched(client, entries, FAST);

    expect(failed).toEqual([]);
    const batches = sentBatches();
    expect(batches.map((batch) => eventIdsOf(batch))).toEqual([["a", "b"], ["c", "d"], ["e"]]);
    for (const batch of batches) {
      const bytes = batch.reduce((sum, entry) => sum + putEventsEntrySize(entry), 0);
      expect(bytes).toBeLessThan(MAX_REQUEST_BYTES);
    }
  });

  it("sends ~150 KB entries one per request", async () => {
    eventBridge.on(PutEventsCommand).callsFake(answer());
    const entries = ["a", "b", "c"].map((id) => entryOfSize(150_000, id));

    await putEventsBatched(client, entries, FAST);

    expect(sentBatches().map((batch) => batch.length)).toEqual([1, 1, 1]);
  });

  it("never sends an entry of 256 KB or more and reports it by index, sending the others", async () => {
    eventBridge.on(PutEventsCommand).callsFake(answer());
    const entries = [
      entryOfSize(100, "a"),
      entryOfSize(MAX_REQUEST_BYTES, "big"),
      entryOfSize(MAX_REQUEST_BYTES - 1, "largest"),
      entryOfSize(100, "c"),
    ];

    const { failed } = await putEventsBatched(client, entries, FAST);

    expect(failed).toEqual([{ index: 1, errorCode: ENTRY_TOO_LARGE, retryable: false }]);
    expect(sentBatches().map((batch) => eventIdsOf(batch))).toEqual([["a"], ["largest"], ["c"]]);
  });

  it("reports failures by input index with EventBridge's last code, and no entry data", async () => {
    const entries = ["a", "b", "c"].map((id) => entryOfSize(50, id));
    eventBridge
      .on(PutEventsCommand)
      .callsFake(answer((id) => (id === "c" ? "ThrottlingException" : undefined)));

    const { failed } = await putEventsBatched(client, entries, FAST);

    expect(failed).toEqual([{ index: 2, errorCode: "ThrottlingException", retryable: true }]);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, FAST.retries + 1);
  });
});

/** A valid Contact Captured detail (input form: `contact` may be given or not). */
function contactCaptured(eventId: string): ChatbotEventInput {
  return {
    detailType: "Contact Captured",
    detail: {
      event_id: eventId,
      property_id: "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f",
      conversation_id: "conv-1",
      occurred_at: "2025-03-01T12:00:00Z",
      contact: { email: "jane.doe@example.com", first_name: "Jane" },
    },
  };
}

describe("publishChatbotEvents", () => {
  it("publishes with source domiq.chatbot, the detail-type and the parsed detail", async () => {
    eventBridge.on(PutEventsCommand).callsFake(answer());
    const events: ChatbotEventInput[] = [
      contactCaptured("evt-1"),
      {
        detailType: "Preferences Updated",
        detail: {
          event_id: "evt-2",
          property_id: "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f",
          conversation_id: "conv-1",
          occurred_at: "2025-03-01T12:01:00Z",
          preferences: { bedrooms: 2, pets: true },
        },
      },
    ];
    // A field the contract does not know is dropped, as the sync worker would.
    Object.assign(events[1]?.detail ?? {}, { internal_note: "not in the contract" });

    const result = await publishChatbotEvents(events, { eventBusName: BUS, client, retry: FAST });

    expect(result).toEqual({ published: ["evt-1", "evt-2"] });
    const [sent] = sentBatches();
    expect(
      sent?.map(({ Source, DetailType, EventBusName }) => ({ Source, DetailType, EventBusName })),
    ).toEqual([
      { Source: "domiq.chatbot", DetailType: "Contact Captured", EventBusName: BUS },
      { Source: "domiq.chatbot", DetailType: "Preferences Updated", EventBusName: BUS },
    ]);
    // `contact` defaults to {} when omitted; unknown fields are stripped.
    expect(JSON.parse(sent?.[1]?.Detail ?? "")).toEqual({
      event_id: "evt-2",
      property_id: "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f",
      conversation_id: "conv-1",
      occurred_at: "2025-03-01T12:01:00Z",
      contact: {},
      preferences: { bedrooms: 2, pets: true },
    });
  });

  it("rejects invalid events with field paths and no values, before sending anything", async () => {
    eventBridge.on(PutEventsCommand).callsFake(answer());
    const leakedEmail = `${"jane.doe.private".repeat(25)}@example.com`;
    const events = [
      contactCaptured("evt-1"),
      contactCaptured("evt-2"),
      contactCaptured("evt-3"),
      { detailType: "Contact Deleted", detail: {} } as unknown as ChatbotEventInput,
    ];
    Object.assign(events[2]?.detail.contact ?? {}, { email: leakedEmail });
    Object.assign(events[1]?.detail ?? {}, { property_id: "Jane-Doe-1985" });

    const error = await publishChatbotEvents(events, { eventBusName: BUS, client }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(InvalidInputError);
    const invalid = error as InvalidInputError;
    expect(invalid.issues.map((issue) => issue.path)).toEqual([
      "[1].detail.property_id",
      "[2].detail.contact.email",
      "[3].detailType",
    ]);
    const everything = `${invalid.message} ${JSON.stringify(invalid.issues)}`;
    expect(everything).not.toContain("jane.doe");
    expect(everything).not.toContain("Jane-Doe");
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it("rejects two events with the same event_id (the second would be dropped as a replay)", async () => {
    const error = await publishChatbotEvents([contactCaptured("evt-1"), contactCaptured("evt-1")], {
      eventBusName: BUS,
      client,
    }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues).toEqual([
      { path: "[1].detail.event_id", message: "repeats the event_id of [0]" },
    ]);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it("retries throttled entries and throws ChatbotPublishError naming what still failed", async () => {
    const events = Array.from({ length: 12 }, (_, i) => contactCaptured(`evt-${i}`));
    eventBridge
      .on(PutEventsCommand)
      .callsFake(
        answer((id) =>
          id === "evt-4"
            ? "ThrottlingException"
            : id === "evt-11"
              ? "AccessDeniedException"
              : undefined,
        ),
      );

    const error = await publishChatbotEvents(events, {
      eventBusName: BUS,
      client,
      retry: FAST,
    }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ChatbotPublishError);
    const failure = error as ChatbotPublishError;
    expect(failure.failures).toEqual([
      { index: 4, event_id: "evt-4", errorCode: "ThrottlingException", retryable: true },
      { index: 11, event_id: "evt-11", errorCode: "AccessDeniedException", retryable: false },
    ]);
    expect(failure.published).toHaveLength(10);
    expect(failure.published).not.toContain("evt-4");
    expect(failure.retryable).toBe(false);
    expect(failure.message).toBe(
      "2 of 12 chatbot events not published (AccessDeniedException, ThrottlingException)",
    );
    // Only the throttled entry was re-sent.
    expect(sentBatches().slice(2).map(eventIdsOf)).toEqual([["evt-4"], ["evt-4"], ["evt-4"]]);
  });

  it("sends nothing for no events", async () => {
    await expect(publishChatbotEvents([], { eventBusName: BUS, client })).resolves.toEqual({
      published: [],
    });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it("refuses at compile time a detail that does not fit its detail-type", () => {
    const base = {
      event_id: "evt-x",
      property_id: "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f",
      conversation_id: "conv-1",
      occurred_at: "2025-03-01T12:00:00Z",
    };
    const booked = { type: "tour_booked" } as const;
    // Type-level: `tsc --noEmit` fails if any of these lines compiles (an unused directive).
    const wrong = (): ChatbotEventInput[] => [
      // @ts-expect-error preferences belong to "Preferences Updated", not "Contact Captured"
      { detailType: "Contact Captured", detail: { ...base, preferences: {} } },
      // @ts-expect-error "Preferences Updated" requires preferences
      { detailType: "Preferences Updated", detail: base },
      // @ts-expect-error "tour_booked" is not an interaction type
      { detailType: "Interaction Logged", detail: { ...base, interaction: booked } },
      // @ts-expect-error not a chatbot detail-type
      { detailType: "Contact Deleted", detail: base },
    ];
    const right = (): ChatbotEventInput[] => [
      { detailType: "Contact Captured", detail: base },
      { detailType: "Interaction Logged", detail: { ...base, interaction: { type: "other" } } },
    ];
    expect([typeof wrong, typeof right]).toEqual(["function", "function"]);
  });

  it("is what the package exports", () => {
    expect(publicApi.publishChatbotEvents).toBe(publishChatbotEvents);
    expect(publicApi.ChatbotPublishError).toBe(ChatbotPublishError);
    expect(Object.keys(publicApi.chatbotDetailSchemas)).toEqual([
      "Contact Captured",
      "Preferences Updated",
      "Conversation Completed",
      "Interaction Logged",
    ]);
  });
});
