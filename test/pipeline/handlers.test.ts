/**
 * The deployed handler module itself (`functions/sync-worker.ts`), configured only through the
 * environment as on Lambda, against a local Postgres server (`DB_DRIVER=pg`); EventBridge is
 * mocked. Shows the cold-start wiring works: config, lazy database, outbox drain.
 */
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";
import { counts, envelope, lambdaContext, record, resmanMessage, sqsEvent } from "./support.js";

let database: TestDatabase;

beforeAll(async () => {
  database = await openTestDatabase("pg");
});
afterAll(() => database.cleanup());

describe("functions/sync-worker.ts handler", () => {
  it("syncs a batch against the DATABASE_URL it is configured with and announces it", async () => {
    const eventBridge = mockClient(EventBridgeClient);
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{}, {}] });
    Object.assign(process.env, {
      DATABASE_URL: database.url,
      DB_DRIVER: "pg",
      EVENT_BUS_NAME: "contact-sync-test",
      MAX_RECEIVE_COUNT: "5",
      AWS_REGION: "us-east-1",
    });
    const { handler } = await import("../../functions/sync-worker.js");
    const ok = record(resmanMessage(envelope()));
    const broken = record("not json");
    const response = await handler(sqsEvent(ok, broken), lambdaContext);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: broken.messageId }] });
    expect(await counts(database.handle.db)).toMatchObject({ contacts: 1, links: 1, inbox: 1 });
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          EventBusName: "contact-sync-test",
          DetailType: "contact.synced",
        }),
      ],
    });
  });
});
