/**
 * The operator console in a real browser (Debian's Chromium through playwright-core) against
 * the local server on Postgres: approve and reject review items, unmerge from the contact page,
 * the health page's figures and chart, keyboard-only review, the rules editor's validation,
 * escaping, and a user whose token lacks a property getting 403 on its pages and actions.
 *
 * The local server stands in for API Gateway and its JWT authorizer: it verifies an HS256
 * token from the `console_token` cookie (jose) and hands the claims to the same console
 * handler the Lambda runs. Every page is checked for console errors (a CSP violation is one).
 * Screenshots of each page are written to test-results/console/.
 * (Over 400 lines as one thing: every case drives the one console on one browser and server.)
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { and, eq } from "drizzle-orm";
import { jwtVerify, SignJWT } from "jose";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../lib/adapters/db/client.js";
import { contactReview, contactSync, user } from "../../lib/adapters/db/schema.js";
import { createStores, type Stores } from "../../lib/adapters/db/stores.js";
import { LocalSyncQueue } from "../../lib/adapters/queue/localQueue.js";
import { createResmanSource } from "../../lib/adapters/resman/resmanSource.js";
import { approveReview, listReviews } from "../../lib/app/review.js";
import { syncPerson } from "../../lib/app/syncPerson.js";
import { DEFAULT_PROPERTIES_CLAIM } from "../../lib/console/access.js";
import type { ResmanPerson } from "../../lib/domain/person.js";
import { createLocalConsole, localRetry } from "../../lib/local/localConsole.js";
import { type ResmanStub, startResmanStub } from "../../lib/local/resmanStub/server.js";
import {
  LOCAL_WEBHOOK_SECRET,
  type LocalServer,
  startLocalServer,
} from "../../lib/local/server.js";
import { wideReviewBandProperty } from "../contract/fixtures.js";
import { standInFailedLink } from "../fixtures/standInFailedLink.js";
import { launchChromium, screenshotDir } from "../support/browser.js";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";

const SECRET = new TextEncoder().encode("browser-test-secret-not-a-real-one-0123456789");
const clock = { now: () => new Date() };

let database: TestDatabase;
let db: Database;
let stores: Stores;
let server: LocalServer;
let browser: Browser;
let stub: ResmanStub;
const shots = screenshotDir("console");

/** The claims a request's token carries, as API Gateway's JWT authorizer would pass them. */
async function claimsOf(request: IncomingMessage) {
  const cookie = request.headers.cookie ?? "";
  const token = /(?:^|;\s*)console_token=([^;]+)/.exec(cookie)?.[1];
  if (token === undefined) return undefined;
  try {
    return (await jwtVerify(token, SECRET)).payload as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  database = await openTestDatabase("pg");
  stub = await startResmanStub({ properties: 1, people: 12 });
  db = database.handle.db;
  stores = createStores(db);
  server = await startLocalServer({
    port: 0,
    queue: new LocalSyncQueue(db, { maxReceiveCount: 5 }),
    webhookSecrets: [LOCAL_WEBHOOK_SECRET],
    console: createLocalConsole(database.handle, {
      maxReceiveCount: 5,
      retryLink: localRetry(
        database.handle,
        createResmanSource({
          v2Url: stub.v2Url,
          v1Url: stub.v1Url,
          partnerId: stub.partnerId,
          apiKey: stub.apiKey,
        }),
      ),
    }),
    consoleClaims: claimsOf,
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await stub?.close();
  await database?.cleanup();
});

/** A browser context signed in as `subject`, seeing `properties` ("*" for all). */
async function signedIn(subject: string, properties: string[] | "*"): Promise<BrowserContext> {
  const token = await new SignJWT({
    [DEFAULT_PROPERTIES_CLAIM]: properties === "*" ? "*" : `[${properties.join(" ")}]`,
  })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(SECRET);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addCookies([{ name: "console_token", value: token, url: server.url }]);
  return context;
}

/** Console errors and page errors seen by a page (a CSP violation is a console error). */
const problems: string[] = [];
function watch(page: Page): Page {
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  return page;
}
afterEach(() => {
  expect(problems).toEqual([]);
  problems.length = 0;
});

/** A property whose review band starts low, so a household pair lands in review. */
const reviewProperty = () => wideReviewBandProperty(stores);

/** Two fictional people of one household (a shared phone): B goes to review against A. */
function household(tag: string): { a: ResmanPerson; b: ResmanPerson } {
  const phone = "(512) 555-0161";
  return {
    a: {
      person_id: randomUUID(),
      status: "resident",
      first_name: "Marisol",
      last_name: `Quintanilla${tag}`,
      email: `marisol.${tag.toLowerCase()}@mailbox.dev`,
      phones: [{ type: "mobile", number: phone }],
      last_modified: "2026-11-01T10:00:00Z",
    },
    b: {
      person_id: randomUUID(),
      status: "prospect",
      first_name: "Inesita",
      last_name: `Quintanilla${tag}`,
      phones: [{ type: "mobile", number: phone }],
      birthdate: "1979-09-23",
      address: { line1: "88 Larkspur Row", city: "Austin", state: "TX", postal_code: "78701" },
      last_modified: "2026-10-30T10:00:00Z",
    },
  };
}

/** A property with one open review item: B's contact proposed as A's. */
async function withReviewItem(tag: string) {
  const property = await reviewProperty();
  const { a, b } = household(tag);
  const synced = [
    await syncPerson({ store: stores.contacts, clock }, { property, person: a }),
    await syncPerson({ store: stores.contacts, clock }, { property, person: b }),
  ];
  const [item] = (await listReviews(stores, { propertyId: property.id })).items;
  if (item === undefined) throw new Error("expected a review item");
  return { property, a, b, item, aId: synced[0]?.contactId ?? "", bId: synced[1]?.contactId ?? "" };
}

const consoleUrl = (path: string) => `${server.url}/console${path}`;

describe("operator console in Chromium", () => {
  it("approves a review item: the record's contact is merged into the candidate", async () => {
    const { property, item, aId, bId, b } = await withReviewItem("Approve");
    const context = await signedIn("reviewer@domiq.test", "*");
    const page = watch(await context.newPage());
    const response = await page.goto(consoleUrl(`/properties/${property.id}/reviews`));
    expect(response?.status()).toBe(200);
    // Side by side: both contacts' values, the levels, the score against the thresholds.
    const table = page.locator("table.compare");
    await expect.poll(() => table.locator("thead th").count()).toBeGreaterThanOrEqual(5);
    expect(await table.textContent()).toContain("Inesita");
    expect(await table.textContent()).toContain("Marisol");
    expect(await page.locator("strong.score").textContent()).toBe(item.score.toFixed(2));
    expect(await page.locator("tfoot").textContent()).toMatch(/review from -20\.00, merge from/);
    await page.screenshot({ path: join(shots, "review.png"), fullPage: true });

    await page.getByRole("button", { name: /Approve/ }).click();
    await page.waitForURL(/done=approved/);
    expect(await page.locator(".flash").textContent()).toContain("Approved");
    expect(await page.locator(".empty").textContent()).toContain("Nothing to review");

    const [absorbed] = await db.select().from(user).where(eq(user.id, bId));
    expect(absorbed?.mergedIntoId).toBe(aId);
    const [link] = await db
      .select()
      .from(contactSync)
      .where(and(eq(contactSync.propertyId, property.id), eq(contactSync.personId, b.person_id)));
    expect(link).toMatchObject({ userId: aId, syncStatus: "merged" });
    const [decided] = await db.select().from(contactReview).where(eq(contactReview.id, item.id));
    expect(decided).toMatchObject({ status: "approved", decidedBy: "reviewer@domiq.test" });
    await context.close();
  });

  it("approves keeping the record's contact: the candidate is merged into it", async () => {
    const { property, item, aId, bId } = await withReviewItem("Keep");
    const context = await signedIn("reviewer@domiq.test", [property.id]);
    const page = watch(await context.newPage());
    await page.goto(consoleUrl(`/reviews/${item.id}`));
    // The two choices name their contacts apart (both were made within the same second, so a
    // UUIDv7's first characters, its time, would be the same): each by its id's last eight.
    const shown = await page.locator("fieldset label a.id").allTextContents();
    expect(shown).toHaveLength(2);
    expect(shown[0]).not.toBe(shown[1]);
    expect(aId.endsWith(shown[0]?.replace("…", "") ?? "-")).toBe(true);
    expect(bId.endsWith(shown[1]?.replace("…", "") ?? "-")).toBe(true);
    await page.getByLabel("this record's contact").check();
    await page.getByRole("button", { name: /Approve/ }).click();
    await page.waitForURL(/done=approved/);
    const [candidate] = await db.select().from(user).where(eq(user.id, aId));
    expect(candidate?.mergedIntoId).toBe(bId);
    const [kept] = await db.select().from(user).where(eq(user.id, bId));
    expect(kept?.mergedIntoId).toBeNull();
    await context.close();
  });

  it("rejects a review item, and the pair never comes back", async () => {
    const { property, item, b } = await withReviewItem("Reject");
    const context = await signedIn("reviewer@domiq.test", [property.id]);
    const page = watch(await context.newPage());
    await page.goto(consoleUrl(`/reviews/${item.id}`));
    await page.getByRole("button", { name: /Reject/ }).click();
    await page.waitForURL(/done=rejected/);
    expect(await page.locator(".flash").textContent()).toContain("Rejected");
    const [decided] = await db.select().from(contactReview).where(eq(contactReview.id, item.id));
    expect(decided?.status).toBe("rejected");

    // The same record changes in ResMan and syncs again: no new item for the pair.
    await syncPerson(
      { store: stores.contacts, clock },
      {
        property,
        person: { ...b, email: "inesita.new@postbox.dev", last_modified: "2026-11-20T10:00:00Z" },
      },
    );
    expect((await listReviews(stores, { propertyId: property.id })).total).toBe(0);
    await page.goto(consoleUrl(`/properties/${property.id}/reviews`));
    expect(await page.locator(".empty").textContent()).toContain("Nothing to review");
    await context.close();
  });

  it("unmerges from the contact page: both contacts are restored", async () => {
    const { property, item, aId, bId, b } = await withReviewItem("Unmerge");
    await approveReview({ reviews: stores.reviews, clock }, { reviewId: item.id });
    const context = await signedIn("operator@domiq.test", [property.id]);
    const page = watch(await context.newPage());
    await page.goto(consoleUrl(`/contacts/${aId}`));
    expect(await page.locator("table.links").textContent()).toContain(b.person_id);
    expect(await page.locator("table.merges").textContent()).toContain("merged in");
    // How each record wrote the person: the fields named as the review page names them.
    expect(await page.locator("table.variants thead th").allTextContents()).toEqual([
      "Record",
      "First name",
      "Last name",
      "Birth date",
      "Email",
      "Phone",
      "Address",
    ]);
    await page.screenshot({ path: join(shots, "contact.png"), fullPage: true });

    await page.getByRole("button", { name: "Unmerge" }).click();
    await page.waitForURL(/done=unmerged/);
    expect(await page.locator(".flash").textContent()).toContain("Unmerged");
    expect(await page.locator("table.links").textContent()).not.toContain(b.person_id);
    expect(await page.locator("table.merges").textContent()).toContain("undone");

    const [restored] = await db.select().from(user).where(eq(user.id, bId));
    expect(restored?.mergedIntoId).toBeNull();
    const [link] = await db
      .select()
      .from(contactSync)
      .where(and(eq(contactSync.propertyId, property.id), eq(contactSync.personId, b.person_id)));
    expect(link?.userId).toBe(bId);
    await context.close();
  });

  it("reviews with the keyboard only", async () => {
    const { property, item } = await withReviewItem("Keys");
    const context = await signedIn("reviewer@domiq.test", [property.id]);
    const page = watch(await context.newPage());
    await page.goto(consoleUrl(`/properties/${property.id}/reviews`));
    await page.keyboard.press("a");
    await page.waitForURL(/done=approved/);
    const [decided] = await db.select().from(contactReview).where(eq(contactReview.id, item.id));
    expect(decided?.status).toBe("approved");
    await context.close();
  });

  it("shows the health figures the database holds and draws the chart", async () => {
    const { property } = await withReviewItem("Health");
    // A failed link, as the sync path records one.
    await stores.contacts.markFailed(property.id, randomUUID(), {
      code: "invalid_input",
      message: "email: invalid",
    } as Parameters<typeof stores.contacts.markFailed>[2]);
    const stats = (await stores.reports.stats()).find((s) => s.propertyId === property.id);
    const context = await signedIn("operator@domiq.test", [property.id]);
    const page = watch(await context.newPage());
    await page.goto(consoleUrl(`/properties/${property.id}/health`));
    const figure = (name: string) => page.locator(`[data-figure="${name}"]`).first().textContent();
    expect(await figure("links")).toBe(String(stats?.links));
    expect(await figure("failed")).toBe("1");
    expect(await figure("pending")).toBe(String(stats?.pending));
    expect(await figure("review-backlog")).toBe("1");
    expect(await figure("success-rate")).toBe(`${stats?.syncSuccessRate?.toFixed(1)} %`);
    expect(await page.locator("table.failed").textContent()).toContain(
      "invalid_input: email: invalid",
    );
    // uPlot drew the hourly series: a canvas in the chart and its legend's outcomes.
    await page.locator("#hourly-chart canvas").waitFor();
    expect(await page.locator("#hourly-chart").getAttribute("data-drawn")).toBe("true");
    expect(await page.locator("#hourly-chart .u-legend").textContent()).toContain("review");
    await page.screenshot({ path: join(shots, "health.png"), fullPage: true });

    await page.goto(consoleUrl("/"));
    const row = page.locator(`tr[data-property="${property.id}"]`);
    expect(await row.locator('[data-figure="failed"]').textContent()).toBe("1");
    expect(await row.locator('[data-figure="review-backlog"]').textContent()).toBe("1");
    await page.screenshot({ path: join(shots, "overview.png"), fullPage: true });
    await context.close();
  });

  it("retries a failed link: the person is read again from ResMan and synced", async () => {
    const { property, resident } = await standInFailedLink(stores, stub);
    const context = await signedIn("operator@domiq.test", [property.id]);
    const page = watch(await context.newPage());
    await page.goto(consoleUrl(`/properties/${property.id}/health`));
    expect(await page.locator("table.failed").textContent()).toContain(resident.personId);
    await page.getByRole("button", { name: "Retry" }).click();
    await page.waitForURL(/done=retry_synced/);
    expect(await page.locator(".flash").textContent()).toContain("synced");
    expect(await page.locator(".empty").first().textContent()).toContain("No failed link");
    const [link] = await db
      .select()
      .from(contactSync)
      .where(
        and(eq(contactSync.propertyId, property.id), eq(contactSync.personId, resident.personId)),
      );
    expect(link?.syncStatus).toBe("success");
    expect(link?.userId).not.toBeNull();
    await context.close();
  });

  it("edits the rules: a bad document names its path and saves nothing", async () => {
    const property = await reviewProperty();
    const context = await signedIn("operator@domiq.test", [property.id]);
    const page = watch(await context.newPage());
    await page.goto(consoleUrl(`/properties/${property.id}/rules`));
    // Each merge strategy says what it does, not only its name.
    const strategies = await page.locator("#strategy option").allTextContents();
    expect(strategies.map((text) => text.split(" — ")[0])).toEqual([
      "resman_wins",
      "domiq_wins",
      "manual_review",
    ]);
    expect(strategies.every((text) => /disagree/.test(text))).toBe(true);
    const criteria = JSON.parse(await page.locator("#criteria").inputValue());
    criteria.thresholds.review = "high";
    await page.locator("#criteria").fill(JSON.stringify(criteria, null, 2));
    await page.getByRole("button", { name: "Save rules" }).click();
    expect(await page.locator(".errors").textContent()).toContain("thresholds.review");
    // The refused save answers 400, which Chromium logs; that is the expected answer here.
    problems.splice(0, problems.length, ...problems.filter((p) => !p.includes("status of 400")));
    expect((await stores.rules.getRules(property.id))?.matchingCriteria).toMatchObject({
      thresholds: { review: -20 },
    });
    await page.screenshot({ path: join(shots, "rules.png"), fullPage: true });

    criteria.thresholds.review = -10;
    await page.locator("#criteria").fill(JSON.stringify(criteria, null, 2));
    await page.locator("#strategy").selectOption("domiq_wins");
    await page.getByRole("button", { name: "Save rules" }).click();
    await page.waitForURL(/done=saved/);
    const saved = await stores.rules.getRules(property.id);
    expect(saved?.mergeStrategy).toBe("domiq_wins");
    expect(saved?.matchingCriteria).toMatchObject({ thresholds: { review: -10 } });
    await context.close();
  });

  it("escapes values: markup in a name is shown as text", async () => {
    const property = await reviewProperty();
    const result = await syncPerson(
      { store: stores.contacts, clock },
      {
        property,
        person: {
          person_id: randomUUID(),
          status: "prospect",
          first_name: "<img src=x onerror=alert(1)>",
          last_name: "Vance",
          last_modified: "2026-11-01T10:00:00Z",
        },
      },
    );
    const context = await signedIn("operator@domiq.test", [property.id]);
    const page = watch(await context.newPage());
    let dialogs = 0;
    page.on("dialog", (dialog) => {
      dialogs += 1;
      void dialog.dismiss();
    });
    await page.goto(consoleUrl(`/contacts/${result.contactId}`));
    expect(await page.locator("table.values").textContent()).toContain(
      "<img src=x onerror=alert(1)>",
    );
    expect(await page.locator("table.values img").count()).toBe(0);
    expect(dialogs).toBe(0);
    await context.close();
  });

  it("refuses a user whose token lacks the property: 403 on its pages and actions", async () => {
    const mine = await withReviewItem("Mine");
    const theirs = await withReviewItem("Theirs");
    const context = await signedIn("limited@domiq.test", [mine.property.id]);
    const page = watch(await context.newPage());
    // Own property: fine, and the other is not in the navigation.
    await page.goto(consoleUrl(`/properties/${mine.property.id}/reviews`));
    expect(await page.locator("nav").innerHTML()).not.toContain(theirs.property.id);
    const csrf = await page.locator('input[name="csrf"]').first().inputValue();

    for (const path of [
      `/properties/${theirs.property.id}/reviews`,
      `/properties/${theirs.property.id}/health`,
      `/properties/${theirs.property.id}/rules`,
      `/reviews/${theirs.item.id}`,
      `/contacts/${theirs.aId}`,
    ]) {
      const response = await context.request.get(consoleUrl(path));
      expect(response.status(), path).toBe(403);
    }
    // An action, posted from the console's own page with a valid form token: still 403.
    const status = await page.evaluate(
      async ({ url, token }) => {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ csrf: token }).toString(),
          redirect: "manual",
        });
        return { status: response.status, text: await response.text() };
      },
      { url: consoleUrl(`/reviews/${theirs.item.id}/approve`), token: csrf },
    );
    expect(status.status).toBe(403);
    expect(status.text).toContain("You may not see this property");
    const [untouched] = await db
      .select()
      .from(contactReview)
      .where(eq(contactReview.id, theirs.item.id));
    expect(untouched?.status).toBe("open");

    // Without a token: 401; with a forged form token: 403 and nothing decided.
    const anonymous = await browser.newContext();
    expect((await anonymous.request.get(consoleUrl("/"))).status()).toBe(401);
    await anonymous.close();
    const forged = await page.evaluate(
      async ({ url }) =>
        (
          await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: "csrf=forged",
            redirect: "manual",
          })
        ).status,
      { url: consoleUrl(`/reviews/${mine.item.id}/approve`) },
    );
    expect(forged).toBe(403);
    expect((await listReviews(stores, { propertyId: mine.property.id })).total).toBe(1);
    problems.length = 0; // the refused fetches log their 403s in the page's console
    await context.close();
  });
});
