/**
 * The running local service of `npm start` (`lib/local/localService.ts`) on a Postgres database:
 * a webhook sent with `send-webhook` and a chatbot event sent with `send-event` reach the real
 * handlers, wait in the persisted local queue and are applied by the real sync worker; a poison
 * message ends in the local dead-letter queue and `redrive --local` brings it back.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../lib/adapters/db/client.js";
import { LocalSyncQueue } from "../../lib/adapters/queue/localQueue.js";
import { type LocalService, startLocalService } from "../../lib/local/localService.js";
import { LOCAL_WEBHOOK_SECRET } from "../../lib/local/server.js";
import { webhookEnvelope } from "../fixtures/webhook.js";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import { databaseEnv, runInProcess, withClient } from "./harness.js";

let scratch: ScratchDatabase;
let handle: DatabaseHandle;
let service: LocalService;
let dir: string;
const written: string[] = [];

beforeAll(async () => {
  scratch = await createScratchDatabase("e2e_local_service");
  handle = await openDatabase({ driver: "pg", url: scratch.url, maxConnections: 4 });
  await handle.migrate();
  service = await startLocalService(handle, {
    port: 0,
    webhookSecrets: [LOCAL_WEBHOOK_SECRET],
    maxReceiveCount: 2,
    retryDelaySeconds: 0,
    out: { write: (text) => written.push(text) },
  });
  dir = await mkdtemp(join(tmpdir(), "contact-sync-service-"));
});

afterAll(async () => {
  await service?.close();
  await handle?.close();
  await scratch?.drop();
  await rm(dir, { recursive: true, force: true });
});

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const until = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await sleep(100);
  }
}

const linkCount = (personId: string) =>
  withClient(scratch.url, async (client) => {
    const result = await client.query<{ n: number }>(
      "select count(*)::int as n from contact_sync where resman_contact_id = $1",
      [personId],
    );
    return result.rows[0]?.n ?? 0;
  });

describe("the local service", () => {
  it("applies a signed webhook sent with send-webhook", async () => {
    const personId = randomUUID();
    const file = join(dir, "person.json");
    await writeFile(
      file,
      JSON.stringify({
        ...webhookEnvelope,
        person: { ...webhookEnvelope.person, person_id: personId },
      }),
    );
    const sent = await runInProcess(
      ["send-webhook", "--file", file, "--url", service.url],
      databaseEnv(scratch.url),
    );
    expect(sent.code).toBe(0);
    expect(
      await eventually(
        () => linkCount(personId),
        (n) => n === 1,
      ),
    ).toBe(1);
  });

  it("applies a chatbot event sent with send-event", async () => {
    const propertyId = await withClient(scratch.url, async (client) => {
      const result = await client.query<{ id: string }>("select id from property limit 1");
      return result.rows[0]?.id as string;
    });
    const file = join(dir, "detail.json");
    const eventId = randomUUID();
    await writeFile(
      file,
      JSON.stringify({
        event_id: eventId,
        property_id: propertyId,
        conversation_id: randomUUID(),
        occurred_at: new Date().toISOString(),
        contact: { first_name: "Wendeline", last_name: "Okoro", email: "wendeline.o@leadmail.org" },
      }),
    );
    const sent = await runInProcess(
      ["send-event", "--type", "Contact Captured", "--file", file, "--url", service.url],
      databaseEnv(scratch.url),
    );
    expect(sent.code).toBe(0);
    const logged = await eventually(
      () =>
        withClient(scratch.url, async (client) => {
          const result = await client.query<{ n: number }>(
            "select count(*)::int as n from contact_enrichment_log where event_id = $1",
            [eventId],
          );
          return result.rows[0]?.n ?? 0;
        }),
      (n) => n === 1,
    );
    expect(logged).toBe(1);
  });

  it("dead-letters a poison message, and redrive --local brings it back", async () => {
    const queue = new LocalSyncQueue(handle.db, { maxReceiveCount: 2 });
    await queue.sendBody("sync", '{"kind":"resman","not":"a message"}');
    expect(
      await eventually(
        () => queue.depth("sync-dlq"),
        (n) => n === 1,
      ),
    ).toBe(1);
    const redriven = await runInProcess(["redrive", "--local", "--json"], databaseEnv(scratch.url));
    expect(redriven.code).toBe(0);
    expect(JSON.parse(redriven.stdout)).toEqual({ moved: 1 });
    // It fails again, of course: back in the DLQ after its receives, nothing lost.
    expect(
      await eventually(
        () => queue.depth("sync-dlq"),
        (n) => n === 1,
      ),
    ).toBe(1);
    expect(written.join("")).toMatch(/dead-lettered/);
  });
});
