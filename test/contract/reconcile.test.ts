/**
 * The reconciliation's state and use case on real databases (PGlite, Postgres, and the Neon
 * driver for the store): the registry is idempotent, one run holds a property at a time,
 * cursors never move back, and `reconcileProperty` — with a scripted ResMan source (the port,
 * not a mock of HTTP; the clients have their own tests against the stand-in) and the real sync
 * path — imports, replays nothing, deactivates who left the roster, keeps a cursor where a
 * window did not fully sync, stops at refused credentials and when asked to (Ctrl-C: what was
 * synced stands, the run says interrupted) and writes nothing on a dry run. (Over 400 lines as
 * one thing: the store and the use case it serves, on the same databases and scripted source.)
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contactSync, reconcileRun, user } from "../../lib/adapters/db/schema.js";
import { createStores, type Stores } from "../../lib/adapters/db/stores.js";
import { emptyTally, type PersonSink, type SinkTally } from "../../lib/app/ports/personSink.js";
import type { RegisteredProperty } from "../../lib/app/ports/reconcileStore.js";
import type {
  IncrementalResource,
  ResmanPeople,
  ResmanSource,
  ResmanWindow,
} from "../../lib/app/ports/resmanSource.js";
import { reconcileProperties, reconcileProperty } from "../../lib/app/reconcileProperty.js";
import { syncInProcess } from "../../lib/app/syncInProcess.js";
import type { DriverName } from "../../lib/config.js";
import { ContactSyncError } from "../../lib/domain/errors.js";
import type { ResmanPerson } from "../../lib/domain/person.js";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";

class AuthFailed extends ContactSyncError {
  readonly code = "auth_failed";
  readonly retryable = false;
}

/** A ResMan source scripted by the test: people per resource, stamped by `last_modified`. */
class ScriptedSource implements ResmanSource {
  prospects: ResmanPerson[] = [];
  leases: ResmanPerson[] = [];
  rosterPeople: ResmanPerson[] = [];
  windows: { resource: IncrementalResource; window: ResmanWindow }[] = [];
  rosterReads = 0;
  refuse = false;

  incrementalResources(): readonly IncrementalResource[] {
    return ["prospects", "leases"];
  }

  async changedPeople(
    _property: unknown,
    resource: IncrementalResource,
    window: ResmanWindow,
  ): Promise<ResmanPeople> {
    if (this.refuse) throw new AuthFailed("ResMan refused the credentials");
    this.windows.push({ resource, window });
    const people = (resource === "prospects" ? this.prospects : this.leases).filter(
      (p) => new Date(p.last_modified ?? 0).getTime() >= window.since.getTime(),
    );
    return { people, unreadable: 0, reasons: {} };
  }

  async roster(): Promise<ResmanPeople> {
    this.rosterReads += 1;
    return { people: this.rosterPeople, unreadable: 0, reasons: {} };
  }
}

function person(first: string, last: string, overrides: Partial<ResmanPerson> = {}): ResmanPerson {
  return {
    person_id: randomUUID(),
    status: "prospect",
    first_name: first,
    last_name: last,
    email: `${first}.${last}@mailbox.invalid-domain.org`.toLowerCase(),
    last_modified: "2026-11-01T10:00:00Z",
    ...overrides,
  };
}

/** A clock the test moves. */
function movingClock(start: string) {
  let now = new Date(start).getTime();
  return {
    now: () => new Date(now),
    advance: (minutes: number) => {
      now += minutes * 60_000;
    },
  };
}

/** Registers a new ResMan property (account 400, v2, enabled). */
function registerNew(stores: Stores) {
  return stores.reconcile.register({
    resmanPropertyId: randomUUID(),
    resmanAccountId: 400,
    api: "v2",
    enabled: true,
  });
}

const settings = { backfillSince: new Date("2000-01-01T00:00:00Z"), rosterHours: 24 };

function describeStore(driver: DriverName): void {
  describe(`reconciliation store on ${driver}`, () => {
    let database: TestDatabase;
    let stores: Stores;
    beforeAll(async () => {
      database = await openTestDatabase(driver);
      stores = createStores(database.handle.db);
    });
    afterAll(async () => {
      await database?.cleanup();
    });

    it("registers a property once: add twice updates it, and a property an import created", async () => {
      const guid = randomUUID();
      const first = await stores.reconcile.register({
        resmanPropertyId: guid,
        resmanAccountId: 400,
        api: "v2",
        enabled: true,
      });
      expect(first.created).toBe(true);
      expect(first.property).toMatchObject({ resmanAccountId: 400, api: "v2", enabled: true });
      const second = await stores.reconcile.register({
        resmanPropertyId: guid,
        resmanAccountId: 401,
        name: "Maple Court",
        api: "v1",
        enabled: false,
      });
      expect(second.created).toBe(false);
      expect(second.property).toMatchObject({
        id: first.property.id,
        name: "Maple Court",
        resmanAccountId: 401,
        api: "v1",
        enabled: false,
      });
      const imported = await stores.properties.ensureResmanProperty({
        resmanPropertyId: randomUUID(),
      });
      const registered = await stores.reconcile.register({
        resmanPropertyId: imported.resmanPropertyId as string,
        resmanAccountId: 7,
        api: "v2",
        enabled: true,
      });
      expect(registered.created).toBe(false);
      expect(registered.property.id).toBe(imported.id);
    });

    it("registers a portfolio all together: in the order given, across statements, names kept where left out, or none at all", async () => {
      const existing = await stores.reconcile.register({
        resmanPropertyId: randomUUID(),
        resmanAccountId: 400,
        name: "Birch Hollow",
        api: "v2",
        enabled: true,
      });
      // More than one statement's worth (500), named and unnamed entries interleaved.
      const portfolio = Array.from({ length: 1_203 }, (_, i) => ({
        resmanPropertyId: randomUUID() as string,
        resmanAccountId: 500 + (i % 7),
        ...(i % 3 === 0 ? {} : { name: `Community ${i}` }),
        api: i % 10 === 0 ? ("v1" as const) : ("v2" as const),
        enabled: i % 13 !== 0,
      }));
      portfolio.splice(600, 0, {
        resmanPropertyId: existing.property.resmanPropertyId,
        resmanAccountId: 409,
        api: "v1",
        enabled: false,
      });
      const results = await stores.reconcile.registerAll(portfolio);
      expect(results.map((r) => r.property.resmanPropertyId)).toEqual(
        portfolio.map((p) => p.resmanPropertyId),
      );
      expect(results.filter((r) => !r.created).map((r) => r.property.id)).toEqual([
        existing.property.id,
      ]);
      const registered = new Map(
        (await stores.reconcile.registered()).map((p) => [p.resmanPropertyId, p]),
      );
      for (const given of portfolio) {
        expect(registered.get(given.resmanPropertyId)).toMatchObject({
          resmanAccountId: given.resmanAccountId,
          api: given.api,
          enabled: given.enabled,
          name:
            given.resmanPropertyId === existing.property.resmanPropertyId
              ? "Birch Hollow"
              : (given.name ?? `ResMan property ${given.resmanPropertyId}`),
        });
      }

      // The last statement fails (an AccountID beyond the column's integer): nothing stays,
      // neither the new properties of the statements before nor the updates.
      const before = await stores.reconcile.registered();
      const failing = [
        ...portfolio.slice(0, 700).map((p) => ({ ...p, enabled: !p.enabled })),
        ...Array.from({ length: 400 }, () => ({
          resmanPropertyId: randomUUID(),
          resmanAccountId: 400,
          api: "v2" as const,
          enabled: true,
        })),
        {
          resmanPropertyId: randomUUID(),
          resmanAccountId: 2 ** 33,
          api: "v2" as const,
          enabled: true,
        },
      ];
      await expect(stores.reconcile.registerAll(failing)).rejects.toThrow(/register properties/);
      expect(await stores.reconcile.registered()).toEqual(before);
    });

    it("enables and disables by either id, and lists only properties with both ResMan ids", async () => {
      const guid = randomUUID();
      const { property } = await stores.reconcile.register({
        resmanPropertyId: guid,
        resmanAccountId: 400,
        api: "v2",
        enabled: true,
      });
      expect((await stores.reconcile.setEnabled(guid, false))?.enabled).toBe(false);
      expect((await stores.reconcile.setEnabled(property.id, true))?.enabled).toBe(true);
      expect(await stores.reconcile.setEnabled(randomUUID(), true)).toBeNull();
      const accountless = await stores.properties.ensureResmanProperty({
        resmanPropertyId: randomUUID(),
      });
      const listed = (await stores.reconcile.registered()).map((p) => p.id);
      expect(listed).toContain(property.id);
      expect(listed).not.toContain(accountless.id);
    });

    it("lets one run hold a property at a time, until it releases it or its claim expires", async () => {
      const { property } = await registerNew(stores);
      const inAnHour = new Date(Date.now() + 3_600_000);
      const [a, b] = [randomUUID(), randomUUID()];
      const claims = await Promise.all([
        stores.reconcile.claim(property.id, a, inAnHour),
        stores.reconcile.claim(property.id, b, inAnHour),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      const holder = claims[0] ? a : b;
      const other = claims[0] ? b : a;
      // The holder renews; the other still cannot take it, nor release it.
      expect(await stores.reconcile.claim(property.id, holder, inAnHour)).toBe(true);
      await stores.reconcile.release(property.id, other);
      expect(await stores.reconcile.claim(property.id, other, inAnHour)).toBe(false);
      await stores.reconcile.release(property.id, holder);
      expect(await stores.reconcile.claim(property.id, a, new Date(Date.now() - 1000))).toBe(true);
      // That claim has already expired: a crashed run does not hold the property for long.
      expect(await stores.reconcile.claim(property.id, b, inAnHour)).toBe(true);
    });

    it("moves a cursor forward only", async () => {
      const { property } = await registerNew(stores);
      const later = new Date("2026-12-01T10:00:00Z");
      await stores.reconcile.moveCursor(property.id, "prospects", later);
      await stores.reconcile.moveCursor(property.id, "prospects", new Date("2026-11-01T00:00:00Z"));
      expect(await stores.reconcile.cursors(property.id)).toEqual({ prospects: later });
    });
  });
}

function describeUseCase(driver: DriverName): void {
  describe(`reconcileProperty on ${driver}`, () => {
    let database: TestDatabase;
    let stores: Stores;
    beforeAll(async () => {
      database = await openTestDatabase(driver);
      stores = createStores(database.handle.db);
    });
    afterAll(async () => {
      await database?.cleanup();
    });

    async function setup() {
      const { property } = await registerNew(stores);
      const source = new ScriptedSource();
      const clock = movingClock("2026-12-03T12:00:00Z");
      const deps = (sink?: PersonSink) => ({
        source,
        store: stores.reconcile,
        sink:
          sink ?? syncInProcess({ store: stores.contacts, properties: stores.properties, clock }),
        clock,
        settings,
      });
      const run = async (
        options: { full?: boolean; dryRun?: boolean; sink?: PersonSink; signal?: AbortSignal } = {},
      ) => {
        const outcome = await reconcileProperty(deps(options.sink), property, options);
        if (outcome.kind !== "run") throw new Error(`no run: ${outcome.kind}`);
        return outcome.run;
      };
      const links = (p: RegisteredProperty = property) =>
        database.handle.db.select().from(contactSync).where(eq(contactSync.propertyId, p.id));
      return { property, source, clock, run, links, deps };
    }

    it("imports everything first, then finds nothing new; the cursors move to the windows' end", async () => {
      const { property, source, clock, run, links } = await setup();
      const ana = person("Ana", "Quintero");
      const ben = person("Benedikt", "Okafor", { status: "resident" });
      source.prospects = [ana];
      source.leases = [ben];
      source.rosterPeople = [{ ...ben, birthdate: "1990-04-02", last_modified: undefined }];
      const first = await run();
      expect(first).toMatchObject({ status: "ok", fetched: 3, created: 2, failed: 0 });
      expect(first.cursorsAfter).toMatchObject({ prospects: clock.now(), leases: clock.now() });
      expect(await stores.reconcile.cursors(property.id)).toMatchObject({
        prospects: clock.now(),
        roster: clock.now(),
      });
      expect(await links()).toHaveLength(2);

      clock.advance(15);
      const second = await run();
      expect(second).toMatchObject({ status: "ok", created: 0, updated: 0, merged: 0 });
      // Read again from the cursor minus the overlap, not from the backfill date.
      const last = source.windows.at(-1);
      expect(last?.window.since.toISOString()).toBe("2026-12-03T11:55:00.000Z");
      // The roster is not due again for 24 hours.
      expect(source.rosterReads).toBe(1);
      const rows = await database.handle.db
        .select()
        .from(reconcileRun)
        .where(eq(reconcileRun.propertyId, property.id));
      expect(rows.map((r) => r.status)).toEqual(["ok", "ok"]);
    });

    /** Three prospects who share no key. */
    const threeProspects = () => [
      person("Odalys", "Ferreira"),
      person("Keziah", "Brandvold"),
      person("Thaddeus", "Mwangi"),
    ];

    it("syncs a window's people together in waves, not one by one", async () => {
      const { source, run, links } = await setup();
      source.prospects = threeProspects();
      const store = stores.contacts;
      const counted = { waves: 0, alone: 0 };
      const { snapshotReader, readSnapshot } = store;
      store.snapshotReader = (propertyId) => {
        const reader = snapshotReader.call(store, propertyId);
        return {
          read: (requests) => reader.read(requests),
          writeWave: (writes, options) => {
            counted.waves += 1;
            return reader.writeWave(writes, options);
          },
          forget: () => reader.forget(),
          readAhead: (requests) => reader.readAhead(requests),
          aheadHeld: () => reader.aheadHeld(),
        };
      };
      store.readSnapshot = (...args) => {
        counted.alone += 1;
        return readSnapshot.apply(store, args);
      };
      try {
        expect(await run()).toMatchObject({ status: "ok", created: 3, failed: 0 });
      } finally {
        store.snapshotReader = snapshotReader;
        store.readSnapshot = readSnapshot;
      }
      expect(await links()).toHaveLength(3);
      expect(counted).toEqual({ waves: 1, alone: 0 });
    });

    it("looks the property up once a delivery, not once a person", async () => {
      const { source, run, links } = await setup();
      source.prospects = threeProspects();
      source.leases = [person("Ingrid", "Halvorsen", { status: "resident" })];
      const properties = stores.properties;
      const { ensureResmanProperty } = properties;
      let lookups = 0;
      properties.ensureResmanProperty = (...args) => {
        lookups += 1;
        return ensureResmanProperty.apply(properties, args);
      };
      try {
        expect(await run()).toMatchObject({ status: "ok", created: 4, failed: 0 });
      } finally {
        properties.ensureResmanProperty = ensureResmanProperty;
      }
      expect(await links()).toHaveLength(4);
      // Two deliveries (the prospects' window, the leases'): one lookup each.
      expect(lookups).toBe(2);
    });

    it("reflects drift: a changed email, a new prospect, and a resident gone from the roster", async () => {
      const { source, clock, run, links } = await setup();
      const ana = person("Ana", "Quintero");
      const ben = person("Benedikt", "Okafor", { status: "resident" });
      source.prospects = [ana];
      source.rosterPeople = [{ ...ben, last_modified: undefined }];
      await run();
      clock.advance(15);
      source.prospects = [
        {
          ...ana,
          email: "ana.q@elsewhere.invalid-domain.org",
          last_modified: "2026-12-03T12:10:00Z",
        },
        person("Chidi", "Banerjee", { last_modified: "2026-12-03T12:11:00Z" }),
      ];
      source.rosterPeople = [];
      const drift = await run({ full: true });
      expect(drift).toMatchObject({ status: "ok", created: 1, updated: 1, deactivated: 1 });
      const all = await links();
      expect(all).toHaveLength(3);
      const [benLink] = all.filter((l) => l.personId === ben.person_id);
      const [benContact] = await database.handle.db
        .select()
        .from(user)
        .where(eq(user.id, benLink?.userId as string));
      expect(benContact?.kind).toBe("former");
    });

    it("keeps a window's cursor when some of its people could not be synced, and reads it again", async () => {
      const { property, source, clock, run } = await setup();
      source.prospects = [person("Dana", "Whitfield")];
      const failing: PersonSink = {
        async deliver(messages): Promise<SinkTally> {
          return {
            ...emptyTally(),
            incomplete: messages.length,
            incompleteCodes: { store_unavailable: messages.length },
          };
        },
      };
      const broken = await run({ sink: failing });
      // Prospects did not fully sync; leases and the roster (empty) did.
      expect(broken.status).toBe("partial");
      // The cause is named: an operator sees why the window will be read again.
      expect(broken.errors).toMatchObject({ prospects: "sync_incomplete:store_unavailable" });
      expect((await stores.reconcile.cursors(property.id)).prospects).toBeUndefined();
      clock.advance(15);
      const again = await run();
      expect(again).toMatchObject({ status: "ok", created: 1 });
    });

    it("stops at refused credentials: auth_failed, no cursor moved, nothing read after", async () => {
      const { property, source, run } = await setup();
      source.refuse = true;
      const refused = await run();
      expect(refused.status).toBe("auth_failed");
      expect(source.rosterReads).toBe(0);
      expect(await stores.reconcile.cursors(property.id)).toEqual({});
    });

    it("writes nothing on a dry run but says what it would do", async () => {
      const { property, source, run, links } = await setup();
      source.prospects = [person("Eero", "Lindqvist")];
      const dry = await run({ dryRun: true });
      expect(dry).toMatchObject({ status: "ok", created: 1 });
      expect(await links()).toHaveLength(0);
      expect(await stores.reconcile.cursors(property.id)).toEqual({});
      const rows = await database.handle.db
        .select()
        .from(reconcileRun)
        .where(eq(reconcileRun.propertyId, property.id));
      expect(rows).toHaveLength(0);
    });

    it("stops when asked: what was synced stands, the run says interrupted, the next run reads the rest", async () => {
      const { property, source, clock, run, links, deps } = await setup();
      source.prospects = [person("Ines", "Valcourt")];
      source.leases = [person("Oskar", "Drummond", { status: "resident" })];
      const stop = new AbortController();
      // Ctrl-C arrives while the leases are read: they are not handed on, the roster not read.
      const read = source.changedPeople.bind(source);
      source.changedPeople = async (p, resource, window) => {
        if (resource === "leases") stop.abort();
        return read(p, resource, window);
      };
      const stopped = await run({ signal: stop.signal });
      expect(stopped).toMatchObject({ status: "partial", created: 1 });
      expect(stopped.errors).toEqual({ run: "interrupted", leases: "interrupted" });
      expect(source.rosterReads).toBe(0);
      const cursors = await stores.reconcile.cursors(property.id);
      expect(cursors.prospects).toEqual(clock.now());
      expect(cursors.leases).toBeUndefined();
      expect(await links()).toHaveLength(1);
      // The claim was released: the next run is not skipped, and syncs who was left.
      source.changedPeople = read;
      clock.advance(1);
      const next = await run();
      expect(next).toMatchObject({ status: "ok", created: 1 });
      expect(source.rosterReads).toBe(1);
      expect(await links()).toHaveLength(2);
      // Properties not started when the signal came are not started.
      const outcomes = await reconcileProperties(deps(), [property], { signal: stop.signal });
      expect(outcomes).toEqual([
        {
          kind: "error",
          propertyId: property.id,
          resmanPropertyId: property.resmanPropertyId,
          code: "interrupted",
        },
      ]);
      const rows = await database.handle.db
        .select()
        .from(reconcileRun)
        .where(eq(reconcileRun.propertyId, property.id));
      expect(rows.map((r) => r.status).sort()).toEqual(["ok", "partial"]);
    });

    it("skips a property another run holds", async () => {
      const { property, source, clock } = await setup();
      await stores.reconcile.claim(property.id, randomUUID(), new Date(Date.now() + 60_000));
      const outcome = await reconcileProperty(
        {
          source,
          store: stores.reconcile,
          sink: syncInProcess({ store: stores.contacts, properties: stores.properties, clock }),
          clock,
          settings,
        },
        property,
      );
      expect(outcome.kind).toBe("skipped");
    });
  });
}

for (const driver of ["pglite", "pg", "neon"] as const) describeStore(driver);
for (const driver of ["pglite", "pg"] as const) describeUseCase(driver);
