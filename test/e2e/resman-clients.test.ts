/**
 * The ResMan clients (`lib/adapters/resman/`) against the ResMan stand-in
 * (`lib/local/resmanStub/`): reads through v2 and v1 give people in the contract, retries and
 * their limits, the v1 window split, the per-account concurrency limit, and two promises: the
 * reconciliation's source only ever reads (its transport has no write, and only the guest-card
 * client builds the one that has), and no error ever carries a credential; a read stops at once
 * when its signal is aborted. (Over 400 lines as one thing: every case is the clients against
 * the one stand-in, whose calls and faults each case reads and sets.)
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ResmanError } from "../../lib/adapters/resman/errors.js";
import { createResmanHttp, type ResmanRead } from "../../lib/adapters/resman/http.js";
import {
  createResmanSource,
  type ResmanSourceOptions,
  transportOptions,
} from "../../lib/adapters/resman/resmanSource.js";
import { MIN_WINDOW_MS } from "../../lib/adapters/resman/v1Client.js";
import type {
  IncrementalResource,
  ResmanPeople,
  ResmanPropertyAccess,
} from "../../lib/app/ports/resmanSource.js";
import { resmanPersonSchema } from "../../lib/domain/person.js";
import { startResmanStub } from "../../lib/local/resmanStub/server.js";
import { FAKE_API_KEY, FAKE_PARTNER_ID } from "../fixtures/resmanCredentials.js";

type Stub = Awaited<ReturnType<typeof startResmanStub>>;
type StubCall = ReturnType<Stub["admin"]["calls"]>[number];

let stub: Stub;
/** Every call the stand-in answered during this file (for the read-only proof). */
const everyCall: StubCall[] = [];
/** Every error a read threw during this file (for the credentials check). */
const everyError: unknown[] = [];

const EPOCH = new Date("2000-01-01T00:00:00Z");

beforeAll(async () => {
  // The fixtures' fictional credentials: the suite's output scan (`pii.ts`) looks for them too.
  stub = await startResmanStub({
    seed: 11,
    properties: 2,
    people: 40,
    partnerId: FAKE_PARTNER_ID,
    apiKey: FAKE_API_KEY,
  });
});

afterEach(() => {
  everyCall.push(...stub.admin.calls());
  stub.admin.clearCalls();
  stub.admin.clearFaults();
});

afterAll(async () => {
  await stub?.close();
});

/** A source on the stand-in, with backoff short enough for a test. */
function source(options: Partial<ResmanSourceOptions> = {}) {
  return createResmanSource({
    v2Url: stub.v2Url,
    v1Url: stub.v1Url,
    partnerId: stub.partnerId,
    apiKey: stub.apiKey,
    retryBaseMs: 5,
    timeoutMs: 5_000,
    ...options,
  });
}

function access(index: number, api: "v2" | "v1"): ResmanPropertyAccess {
  const property = stub.properties[index];
  if (property === undefined) throw new Error(`the stand-in has no property ${index}`);
  return { resmanPropertyId: property.propertyId, resmanAccountId: property.accountId, api };
}

/** The error a read fails with (recorded for the credentials check). */
async function failure(read: Promise<unknown>): Promise<ResmanError> {
  const error = await read.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  everyError.push(error);
  expect(error).toBeInstanceOf(ResmanError);
  return error as ResmanError;
}

function callsTo(path: string): StubCall[] {
  return stub.admin.calls().filter((call) => call.path.toLowerCase() === path.toLowerCase());
}

function expectContractPeople(result: ResmanPeople, withStamp: boolean): void {
  expect(result.unreadable).toBe(0);
  expect(result.people.length).toBeGreaterThan(0);
  for (const person of result.people) {
    expect(resmanPersonSchema.safeParse(person).success).toBe(true);
    expect(person.last_modified !== undefined).toBe(withStamp);
  }
}

const idsOf = (result: ResmanPeople) => new Set(result.people.map((person) => person.person_id));

describe("reading a property", () => {
  it("offers guest cards and leases incrementally through v2, guest cards through v1", () => {
    const resman = source();
    expect(resman.incrementalResources("v2")).toEqual(["prospects", "leases"]);
    expect(resman.incrementalResources("v1")).toEqual(["prospects"]);
  });

  it.each<IncrementalResource>(["prospects", "leases"])(
    "reads v2 %s as contract people",
    async (resource) => {
      const result = await source().changedPeople(access(0, "v2"), resource, {
        since: EPOCH,
        until: new Date(),
      });
      expectContractPeople(result, true);
    },
  );

  it("reads the v2 roster with birth dates and unit addresses, without stamps", async () => {
    const result = await source().roster(access(0, "v2"));
    expectContractPeople(result, false);
    expect(result.people.some((person) => person.birthdate !== undefined)).toBe(true);
    expect(result.people.every((person) => person.address?.line2?.startsWith("Unit "))).toBe(true);
    expect(result.people.every((p) => p.status === "resident" || p.status === "applicant")).toBe(
      true,
    );
  });

  it("reads through v1 the same guest cards and roster as through v2", async () => {
    const resman = source();
    const window = { since: EPOCH, until: new Date() };
    const v1Cards = await resman.changedPeople(access(0, "v1"), "prospects", window);
    const v2Cards = await resman.changedPeople(access(0, "v2"), "prospects", window);
    expectContractPeople(v1Cards, true);
    expect(idsOf(v1Cards)).toEqual(idsOf(v2Cards));
    const v1Roster = await resman.roster(access(0, "v1"));
    expectContractPeople(v1Roster, false);
    expect(idsOf(v1Roster)).toEqual(idsOf(await resman.roster(access(0, "v2"))));
  });

  it("sends the v2 headers and the v1 form ResMan documents", async () => {
    const seen: { url: string; method: string; headers: Headers; form: URLSearchParams | null }[] =
      [];
    const recording: typeof fetch = (input, init) => {
      seen.push({
        url: String(input),
        method: init?.method ?? "GET",
        headers: new Headers(init?.headers),
        form: typeof init?.body === "string" ? new URLSearchParams(init.body) : null,
      });
      return fetch(input, init);
    };
    const resman = source({ fetch: recording });
    const window = { since: EPOCH, until: new Date() };
    await resman.changedPeople(access(0, "v2"), "leases", window);
    await resman.changedPeople(access(0, "v1"), "prospects", window);
    const [v2, v1] = seen;
    const basic = Buffer.from(`${stub.partnerId}:${stub.apiKey}`).toString("base64");
    expect(v2?.method).toBe("GET");
    expect(new URL(v2?.url ?? "").searchParams.get("modifiedSince")).toBe(EPOCH.toISOString());
    expect(v2?.headers.get("authorization") === `Basic ${basic}`).toBe(true);
    expect(v2?.headers.get("resman-account-id")).toBe(String(access(0, "v2").resmanAccountId));
    expect(v2?.headers.get("accept")).toBe("application/json");
    expect(v1?.method).toBe("POST");
    expect(v1?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect([...(v1?.form?.keys() ?? [])].sort()).toEqual([
      "AccountID",
      "ApiKey",
      "IntegrationPartnerID",
      "ModifiedEndDateTime",
      "ModifiedStartDateTime",
      "PropertyID",
    ]);
  });
});

describe("modification windows", () => {
  it("includes a record modified exactly at modifiedSince (v2) and never asks for the future", async () => {
    const property = access(1, "v2");
    const stamp = "2026-11-20T12:00:00.000Z";
    const { personIds } = stub.admin.addProspect(property.resmanPropertyId, {
      people: [{ firstName: "Edge", lastName: "Case" }],
      lastModified: stamp,
    });
    const resman = source();
    const at = await resman.changedPeople(property, "prospects", {
      since: new Date(stamp),
      until: new Date(),
    });
    expect(at.people.map((person) => person.person_id)).toEqual(personIds);
    const after = await resman.changedPeople(property, "prospects", {
      since: new Date(Date.parse(stamp) + 1),
      until: new Date(),
    });
    expect(after.people.some((person) => personIds.includes(person.person_id))).toBe(false);
    const future = await resman.changedPeople(property, "prospects", {
      since: new Date(Date.now() + 3_600_000),
      until: new Date(Date.now() + 7_200_000),
    });
    expect(future.people).toEqual([]);
    expect(callsTo("/Prospects").every((call) => call.status === 200)).toBe(true);
  });

  it("includes records modified exactly at either end of a v1 window", async () => {
    const property = access(1, "v1");
    const start = "2026-11-21T08:00:00.000Z";
    const end = "2026-11-21T09:00:00.000Z";
    const first = stub.admin.addProspect(property.resmanPropertyId, {
      people: [{ firstName: "Start", lastName: "Bound" }],
      lastModified: start,
    });
    const last = stub.admin.addProspect(property.resmanPropertyId, {
      people: [{ firstName: "End", lastName: "Bound" }],
      lastModified: end,
    });
    const result = await source().changedPeople(property, "prospects", {
      since: new Date(start),
      until: new Date(end),
    });
    expect([...idsOf(result)].sort()).toEqual([...first.personIds, ...last.personIds].sort());
  });
});

describe("retries", () => {
  it("waits out a 429's Retry-After, then completes", async () => {
    stub.admin.fault({
      kind: "status",
      status: 429,
      retryAfterSeconds: 1,
      times: 1,
      match: { api: "v2", path: "/Leasing/Leases" },
    });
    const started = performance.now();
    const result = await source().changedPeople(access(0, "v2"), "leases", {
      since: EPOCH,
      until: new Date(),
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expectContractPeople(result, true);
    expect(callsTo("/Leasing/Leases").map((call) => call.status)).toEqual([429, 200]);
  });

  it("tries again after a 500", async () => {
    stub.admin.fault({ kind: "status", status: 500, times: 1, match: { api: "v1" } });
    const result = await source().roster(access(0, "v1"));
    expectContractPeople(result, false);
    expect(stub.admin.calls().map((call) => call.status)).toEqual([500, 200]);
  });

  it("tries again after a timeout, and gives up as unavailable when every try is slow", async () => {
    const resman = source({ timeoutMs: 150 });
    stub.admin.fault({ kind: "slow", delayMs: 600, times: 1, match: { path: "/Prospects" } });
    const result = await resman.changedPeople(access(0, "v2"), "prospects", {
      since: EPOCH,
      until: new Date(),
    });
    expectContractPeople(result, true);
    await waitFor(() => callsTo("/Prospects").length >= 2);

    stub.admin.fault({ kind: "slow", delayMs: 400, match: { path: "/CreditReporting/Residents" } });
    const error = await failure(resman.roster(access(0, "v2")));
    expect(error.code).toBe("resman_unavailable");
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("after 3 tries");
    expect(error.message).toContain("GET /CreditReporting/Residents");
    await waitFor(() => callsTo("/CreditReporting/Residents").length >= 3);
    expect(callsTo("/CreditReporting/Residents")).toHaveLength(3);
  });

  it("gives up as unavailable after three 503s", async () => {
    stub.admin.fault({ kind: "status", status: 503, match: { api: "v2" } });
    const error = await failure(source().roster(access(0, "v2")));
    expect(error.code).toBe("resman_unavailable");
    expect(error.status).toBe(503);
    expect(stub.admin.calls()).toHaveLength(3);
  });
});

describe("stopping (a source made with a signal: Ctrl-C on a command)", () => {
  it("stops a read in flight at once, as interrupted", async () => {
    const stop = new AbortController();
    // Prospects would answer after a minute, within the client's wait: only the signal ends
    // the read before the test times out.
    stub.admin.fault({ kind: "slow", delayMs: 60_000, match: { path: "/Prospects" } });
    const reading = source({ signal: stop.signal, timeoutMs: 120_000 }).changedPeople(
      access(0, "v2"),
      "prospects",
      { since: EPOCH, until: new Date() },
    );
    setTimeout(() => stop.abort(), 100);
    const error = await failure(reading);
    expect(error.code).toBe("interrupted");
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("GET /Prospects");
    expect(error.message).toContain("stopped by the caller");
  });

  it("stops a read waiting for its next try, and tries no more", async () => {
    const stop = new AbortController();
    // A 429 asking for 30 s: the client waits that long before its second try.
    stub.admin.fault({
      kind: "status",
      status: 429,
      retryAfterSeconds: 30,
      match: { api: "v2", path: "/Leasing/Leases" },
    });
    const reading = source({ signal: stop.signal }).changedPeople(access(0, "v2"), "leases", {
      since: EPOCH,
      until: new Date(),
    });
    await waitFor(() => callsTo("/Leasing/Leases").length === 1);
    stop.abort();
    const error = await failure(reading);
    expect(error.code).toBe("interrupted");
    expect(callsTo("/Leasing/Leases")).toHaveLength(1);
  });
});

describe("failures retrying cannot fix", () => {
  it.each([
    [
      "SearchProspects",
      (resman: ReturnType<typeof source>) =>
        resman.changedPeople(access(0, "v1"), "prospects", { since: EPOCH, until: new Date() }),
    ],
    [
      "GetApplicantsAndCurrentResidents",
      (resman: ReturnType<typeof source>) => resman.roster(access(0, "v1")),
    ],
  ])(
    "v1 %s answering HTTP 200 with an error envelope is resman_error, not retried",
    async (_name, read) => {
      stub.admin.fault({ kind: "error_on_200", message: `Internal failure for ${stub.apiKey}` });
      const error = await failure(read(source()));
      expect(error.code).toBe("resman_error");
      expect(error.retryable).toBe(false);
      expect(error.message).not.toContain("Internal failure");
      expect((error as ResmanError & { detail?: string }).detail).toContain("Internal failure");
      expect(stub.admin.calls()).toHaveLength(1);
    },
  );

  it.each<["v2" | "v1", 401 | 403]>([
    ["v2", 401],
    ["v1", 401],
    ["v2", 403],
  ])("%s HTTP %i is auth_failed after exactly one call", async (api, status) => {
    stub.admin.fault({ kind: "status", status, match: { api } });
    const error = await failure(source().roster(access(0, api)));
    expect(error.code).toBe("auth_failed");
    expect(error.retryable).toBe(false);
    expect(stub.admin.calls()).toHaveLength(1);
  });

  it.each(["v2", "v1"] as const)(
    "%s with a wrong API key is auth_failed after one call",
    async (api) => {
      const error = await failure(source({ apiKey: "not-the-key" }).roster(access(0, api)));
      expect(error.code).toBe("auth_failed");
      expect(stub.admin.calls()).toHaveLength(1);
    },
  );

  it("an AccountID that does not hold the property is refused without retry", async () => {
    const wrong = { ...access(0, "v1"), resmanAccountId: access(1, "v1").resmanAccountId };
    const error = await failure(source().roster(wrong));
    expect(error.code).toBe("resman_error");
    expect(stub.admin.calls()).toHaveLength(1);
  });
});

/** The Modified window of a SearchProspects call, in ms. */
function windowOf(call: StubCall): { since: number; until: number } {
  return {
    since: Date.parse(call.params.ModifiedStartDateTime ?? ""),
    until: Date.parse(call.params.ModifiedEndDateTime ?? ""),
  };
}

describe("v1 buffer overflow", () => {
  const since = new Date("2026-11-01T00:00:00.000Z");
  const until = new Date("2026-11-01T00:10:00.000Z");

  it("halves the window until ResMan can answer, losing nothing at the boundaries", async () => {
    const property = access(1, "v1");
    const middle = new Date((since.getTime() + until.getTime()) / 2).toISOString();
    const quarter = new Date(since.getTime() + (until.getTime() - since.getTime()) / 4);
    const cards = [since.toISOString(), quarter.toISOString(), middle, until.toISOString()].map(
      (lastModified, index) =>
        stub.admin.addProspect(property.resmanPropertyId, {
          people: [{ firstName: `Boundary${index}`, lastName: "Split" }],
          lastModified,
        }),
    );
    const resman = source();
    const whole = await resman.changedPeople(property, "prospects", { since, until });
    stub.admin.clearCalls();

    stub.admin.fault({ kind: "overflow", maxWindowSeconds: 100 });
    const split = await resman.changedPeople(property, "prospects", { since, until });
    expect(split).toEqual(whole);
    expect([...idsOf(split)]).toEqual(expect.arrayContaining(cards.flatMap((c) => c.personIds)));

    const calls = callsTo("/MITS/SearchProspects");
    const answered = calls.filter((call) => call.status === 200).map(windowOf);
    const overflowed = calls.filter((call) => call.status === 502).map(windowOf);
    // 600 s → 300 s → 150 s → eight windows of 75 s.
    expect(overflowed.map((w) => (w.until - w.since) / 1000)).toEqual([
      600, 300, 150, 150, 300, 150, 150,
    ]);
    expect(answered.map((w) => (w.until - w.since) / 1000)).toEqual(Array(8).fill(75));
    // The answered windows cover the whole, each starting where the previous one ended.
    expect(answered[0]?.since).toBe(since.getTime());
    expect(answered.at(-1)?.until).toBe(until.getTime());
    for (let i = 1; i < answered.length; i += 1) {
      expect(answered[i]?.since).toBe(answered[i - 1]?.until);
    }
  });

  it("gives up as window_too_large rather than ask for a window under 60 s", async () => {
    stub.admin.fault({ kind: "overflow", maxWindowSeconds: 30 });
    const error = await failure(
      source().changedPeople(access(1, "v1"), "prospects", { since, until }),
    );
    expect(error.code).toBe("window_too_large");
    expect(error.retryable).toBe(false);
    const windows = callsTo("/MITS/SearchProspects").map(windowOf);
    expect(windows.every((w) => w.until - w.since >= MIN_WINDOW_MS)).toBe(true);
    expect(Math.min(...windows.map((w) => w.until - w.since))).toBe(75_000);
  });
});

/** Polls until `condition` holds (the stand-in logs a slow call only when it answers). */
async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("concurrency", () => {
  it("keeps at most two reads in flight per AccountID, whatever the number of callers", async () => {
    const inFlight = new Map<string, number>();
    const most = new Map<string, number>();
    const counting: typeof fetch = async (input, init) => {
      const account =
        new Headers(init?.headers).get("resman-account-id") ??
        new URLSearchParams(String(init?.body ?? "")).get("AccountID") ??
        "?";
      inFlight.set(account, (inFlight.get(account) ?? 0) + 1);
      most.set(account, Math.max(most.get(account) ?? 0, inFlight.get(account) ?? 0));
      try {
        return await fetch(input, init);
      } finally {
        inFlight.set(account, (inFlight.get(account) ?? 1) - 1);
      }
    };
    stub.admin.fault({ kind: "slow", delayMs: 150 });
    const resman = source({ fetch: counting });
    const window = { since: EPOCH, until: new Date() };
    const reads = [0, 1].flatMap((index) => [
      resman.roster(access(index, "v2")),
      resman.roster(access(index, "v1")),
      resman.changedPeople(access(index, "v2"), "prospects", window),
      resman.changedPeople(access(index, "v2"), "leases", window),
      resman.changedPeople(access(index, "v1"), "prospects", window),
    ]);
    await Promise.all(reads);
    const accounts = stub.properties.map((property) => String(property.accountId));
    expect(
      accounts.map((account) => most.get(account)),
      "most in flight, client side",
    ).toEqual([2, 2]);

    // The stand-in saw the same: never three calls of one account overlapping.
    const calls = stub.admin.calls();
    for (const account of stub.properties.map((property) => property.accountId)) {
      const spans = calls
        .filter((call) => call.accountId === account)
        .map((call) => ({ start: Date.parse(call.at), end: Date.parse(call.at) + call.ms }));
      expect(spans, `calls of account ${account}`).toHaveLength(5);
      for (const span of spans) {
        // In flight when this call arrived (10 ms allowed for clock rounding).
        const overlapping = spans.filter(
          (other) => other.start <= span.start && span.start < other.end - 10,
        );
        expect(
          overlapping.length,
          `overlaps seen by the stand-in: ${JSON.stringify(spans)}`,
        ).toBeLessThanOrEqual(2);
      }
    }
  });
});

describe("what reaches ResMan", () => {
  it("is only ever a GET of the three v2 reads or a POST of the two v1 reads", () => {
    const reads = new Set([
      "v2 GET /prospects",
      "v2 GET /leasing/leases",
      "v2 GET /creditreporting/residents",
      "v1 POST /mits/searchprospects",
      "v1 POST /leasing/getapplicantsandcurrentresidents",
    ]);
    expect(everyCall.length).toBeGreaterThan(30);
    const kinds = new Set(
      everyCall.map((call) => `${call.api} ${call.method} ${call.path.toLowerCase()}`),
    );
    expect([...kinds].filter((kind) => !reads.has(kind))).toEqual([]);
    expect(everyCall.filter((call) => /postleadmanagement/i.test(call.path))).toEqual([]);
    expect(stub.admin.writes()).toEqual([]);
  });

  it("cannot be the write through the source's transport, which has none", async () => {
    const http = createResmanHttp(
      transportOptions({ v1Url: stub.v1Url, partnerId: stub.partnerId, apiKey: stub.apiKey }),
    );
    expect("write" in http).toBe(false);
    const target = { accountId: access(0, "v1").resmanAccountId, propertyId: "any" };
    const smuggled = [
      { api: "v1", path: "/MITS/PostLeadManagement4_0", form: { Xml: "<x/>" } },
      { api: "v1", path: "/MITS/SearchProspects", form: { Email: "a@example.com", Xml: "<x/>" } },
      { api: "v1", path: "/Leasing/GetEmployees", form: { Xml: "<x/>" } },
    ].map((request) => ({ accept: "application/xml", ...request }) as unknown as ResmanRead);
    for (const request of smuggled) {
      await expect(http.read(target, request)).rejects.toThrow("not a ResMan read");
    }
    expect(stub.admin.calls()).toEqual([]);
  });

  it("only the guest-card client builds the transport that writes", async () => {
    const users: string[] = [];
    for (const entry of await readdir("lib", { recursive: true })) {
      if (!entry.endsWith(".ts") || entry === join("adapters", "resman", "http.ts")) continue;
      const text = await readFile(join("lib", entry), "utf8");
      if (/import\s*(type\s*)?\{[^}]*\bcreateResmanWriteHttp\b/u.test(text)) users.push(entry);
    }
    expect(users).toEqual([join("adapters", "resman", "guestCardClient.ts")]);
  });

  it("never puts a credential in an error, its message or its causes", () => {
    const basic = Buffer.from(`${stub.partnerId}:${stub.apiKey}`).toString("base64");
    const secrets = [stub.partnerId, stub.apiKey, basic, "not-the-key"];
    expect(everyError.length).toBeGreaterThan(8);
    for (const error of everyError) {
      const renderings = [
        String((error as Error).message),
        JSON.stringify(error),
        inspect(error, { depth: 10 }),
      ];
      for (const text of renderings) {
        for (const secret of secrets) expect(text.includes(secret)).toBe(false);
      }
    }
  });
});
