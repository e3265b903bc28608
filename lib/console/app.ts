/**
 * The operator console: one Hono app, run locally by the local server (through the same API
 * Gateway event shape) and in AWS as the console function behind API Gateway's JWT authorizer.
 *
 * Routes (all under `/console`): `/` (sync health of every property the user may see),
 * `/properties/:id/health|reviews|rules`, `/reviews/:id` (+ `/approve`, `/reject`),
 * `/contacts/:id` (+ `/unmerge`), `/links/:id/retry`, `/assets/:name`.
 *
 * Every page and action resolves the property it concerns (for a contact, review item or link,
 * from the row) and answers 403 unless the user's token lists it (`access.ts`). POST actions
 * need the request's Origin to be the console's own (Hono's `csrf` middleware) and the form's
 * token, an HMAC of the user's subject under the console's secret. A strict CSP (own files
 * only, no inline script or style) and the other Secure Headers defaults on every answer.
 * URLs carry ids only; after an action the page redirects with a notice code, never a value.
 * Errors are a page with a short reason: a refused merge names ids, anything unexpected says
 * "internal error" and is logged by its error code only.
 *
 * (Over 400 lines as one thing: the routes share the access check, the CSRF token, the frame
 * and the error page above; the pages' HTML is in the page modules.)
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { type Context, Hono } from "hono";
import { csrf } from "hono/csrf";
import { html } from "hono/html";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import {
  type ConsoleDependencies,
  healthOverview,
  nextReviewId,
  propertyHealth,
  reviewPage,
} from "../app/consoleViews.js";
import type { Clock } from "../app/ports/clock.js";
import type { ConsoleProperty, ConsoleStore, DeadLetterDepth } from "../app/ports/consoleStore.js";
import type { PropertyStore } from "../app/ports/propertyStore.js";
import type { ReconcileStore } from "../app/ports/reconcileStore.js";
import type { ReportStore } from "../app/ports/reportStore.js";
import type { ReviewStore } from "../app/ports/reviewStore.js";
import type { RulesStore } from "../app/ports/rulesStore.js";
import { showRules, updateRules } from "../app/propertyRules.js";
import type { ResyncOutcome } from "../app/resyncLink.js";
import { approveReview, rejectReview } from "../app/review.js";
import { unmerge } from "../app/unmerge.js";
import { ContactSyncError, InvalidInputError } from "../domain/errors.js";
import { MergeRefusedError } from "../domain/mergeErrors.js";
import { type MergeStrategy, mergeStrategies } from "../domain/survivorship.js";
import { type Claims, mayAccess, type Principal, principalOf } from "./access.js";
import { consoleAsset } from "./assets.js";
import { contactView } from "./contactPage.js";
import { overviewView, propertyHealthView } from "./healthPages.js";
import { CONSOLE_BASE, type Frame, type Markup, page } from "./layout.js";
import { emptyQueueView, reviewItemView } from "./reviewPages.js";
import { rulesFormOf, rulesView } from "./rulesPage.js";

/** A failed link's re-sync (`lib/app/resyncLink.ts`): what happened, as a code. */
export type RetryLink = (propertyId: string, linkId: string) => Promise<ResyncOutcome>;

/** The stores the console reads and its decisions write through. */
export interface ConsoleStores {
  console: ConsoleStore;
  reports: Pick<ReportStore, "stats">;
  reviews: ReviewStore;
  reconcile: Pick<ReconcileStore, "registered" | "health">;
  properties: Pick<PropertyStore, "findProperty">;
  rules: RulesStore;
}

export interface ConsoleAppDependencies {
  stores: ConsoleStores;
  /** The sync queue's dead-letter depth (the local queue's, or SQS's). */
  deadLetters: DeadLetterDepth;
  /** The schedule's period, for the stale flag. */
  reconcilePeriodMinutes: number;
  clock: Clock;
  /** Re-syncs a failed link's person; absent where no ResMan client is configured. */
  retryLink?: RetryLink | undefined;
  /** The JWT claim listing the user's properties (`CONSOLE_PROPERTIES_CLAIM`). */
  claimName: string;
  /** The secret the forms' CSRF tokens are signed with. */
  csrfSecret: string;
  /** Where an unexpected error's code goes (never a value). */
  onError?: ((code: string) => void) | undefined;
}

/** The Lambda event as Hono's adapter passes it in `c.env` (only what the console reads). */
interface ConsoleBindings {
  event?: { requestContext?: { authorizer?: { jwt?: { claims?: Claims } } } };
}

type ConsoleEnv = { Bindings: ConsoleBindings; Variables: { principal: Principal } };
type ConsoleContext = Context<ConsoleEnv>;

/** Notices after an action, by code (the redirect's `done` parameter). */
const notices: Record<string, string> = {
  approved: "Approved: the two contacts are merged into the one kept.",
  rejected: "Rejected: the two contacts stay apart and the pair will not be proposed again.",
  unmerged: "Unmerged: the contacts are apart again.",
  saved: "Rules saved.",
  retry_synced: "Retried: the person was read again from ResMan and synced.",
  retry_queued: "Retried: the person was read again from ResMan and queued for the sync worker.",
  retry_failed: "Retried: the person was read again from ResMan and failed again (see the reason).",
  retry_not_found:
    "Retried: ResMan's roster and its changes of the last 30 days do not hold this person.",
  retry_incomplete: "Retried: the sync could not finish now (the database was busy); try again.",
};

class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 500,
    message: string,
  ) {
    super(message);
  }
}

const forbidden = () => new HttpError(403, "You may not see this property.");

export function csrfToken(secret: string, subject: string): string {
  return createHmac("sha256", secret).update(`console-csrf:${subject}`).digest("base64url");
}

function validCsrf(secret: string, subject: string, token: unknown): boolean {
  if (typeof token !== "string") return false;
  const expected = Buffer.from(csrfToken(secret, subject));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id, checked before it reaches SQL (a malformed one is a 404, not a database error). */
function idParam(c: ConsoleContext, name: string): string {
  const value = c.req.param(name) ?? "";
  if (!uuidPattern.test(value)) throw new HttpError(404, "Not found.");
  return value.toLowerCase();
}

export function createConsoleApp(deps: ConsoleAppDependencies): Hono<ConsoleEnv> {
  // Not strict: `/console` and `/console/` are the same page.
  const app = new Hono<ConsoleEnv>({ strict: false }).basePath(CONSOLE_BASE);
  const { stores } = deps;
  const views: ConsoleDependencies = {
    console: stores.console,
    reports: stores.reports,
    reviews: stores.reviews,
    reconcile: stores.reconcile,
    deadLetters: deps.deadLetters,
    reconcilePeriodMinutes: deps.reconcilePeriodMinutes,
  };
  const reviewDeps = { reviews: stores.reviews, clock: deps.clock };

  app.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: "same-origin",
    }),
  );

  // Assets carry nothing personal and need no token (the pages that use them do).
  app.get("/assets/:name", async (c) => {
    const asset = await consoleAsset(c.req.param("name"));
    if (asset === undefined) return c.text("Not found.", 404);
    c.header("content-type", asset.type);
    c.header("cache-control", "public, max-age=3600");
    return c.body(asset.body);
  });

  app.use("*", async (c, next) => {
    const principal = principalOf(
      c.env?.event?.requestContext?.authorizer?.jwt?.claims,
      deps.claimName,
    );
    if (principal === null) throw new HttpError(401, "Sign in to use the console.");
    c.set("principal", principal);
    c.header("cache-control", "no-store");
    await next();
  });
  app.use("*", csrf());
  app.use("*", async (c, next) => {
    if (c.req.method === "POST") {
      const body = await c.req.parseBody();
      if (!validCsrf(deps.csrfSecret, c.get("principal").subject, body.csrf)) {
        throw new HttpError(
          403,
          "The form has expired or did not come from the console: reload the page.",
        );
      }
    }
    await next();
  });

  /** The properties the user may see. */
  async function visible(c: ConsoleContext): Promise<ConsoleProperty[]> {
    const principal = c.get("principal");
    return (await stores.console.properties()).filter((p) => mayAccess(principal, p.id));
  }

  /** The property `propertyId`, refused (403) unless the user may see it. */
  async function allowed(c: ConsoleContext, propertyId: string) {
    const properties = await visible(c);
    const property = properties.find((p) => p.id === propertyId);
    if (property === undefined) {
      const exists = (await stores.console.properties()).some((p) => p.id === propertyId);
      throw exists ? forbidden() : new HttpError(404, "No such property.");
    }
    return { property, properties };
  }

  async function render(
    c: ConsoleContext,
    frame: Omit<Frame, "subject" | "flash">,
    body: Markup,
    statusCode: 200 | 400 = 200,
  ) {
    const code = c.req.query("done");
    const flash = code === undefined ? undefined : notices[code];
    const text = await page({ ...frame, subject: c.get("principal").subject, flash }, body);
    return c.html(text, statusCode);
  }

  const token = (c: ConsoleContext) => csrfToken(deps.csrfSecret, c.get("principal").subject);
  const form = async (c: ConsoleContext) => c.req.parseBody();

  app.get("/", async (c) => {
    const properties = await visible(c);
    const rows = await healthOverview(views, properties, deps.clock.now());
    return render(c, { title: "Sync health", properties }, overviewView(rows));
  });

  app.get("/properties/:id/health", async (c) => {
    const { property, properties } = await allowed(c, idParam(c, "id"));
    const now = deps.clock.now();
    const health = await propertyHealth(views, property, now);
    return render(
      c,
      {
        title: `Health · ${property.name}`,
        properties,
        current: property.id,
        scripts: [`${CONSOLE_BASE}/assets/uPlot.min.js`],
      },
      html`<link rel="stylesheet" href="${CONSOLE_BASE}/assets/uPlot.min.css">${propertyHealthView(health, now, token(c))}`,
    );
  });

  app.get("/properties/:id/reviews", async (c) => {
    const { property, properties } = await allowed(c, idParam(c, "id"));
    const next = await nextReviewId(views, property.id);
    if (next.id === null) {
      return render(
        c,
        { title: "Review queue", properties, current: property.id },
        emptyQueueView(property.name),
      );
    }
    const view = await reviewPage(views, next.id);
    if (view === null) throw new HttpError(404, "No such review item.");
    return render(
      c,
      { title: "Review queue", properties, current: property.id },
      reviewItemView(view, token(c)),
    );
  });

  app.get("/reviews/:id", async (c) => {
    const view = await reviewPage(views, idParam(c, "id"));
    if (view === null) throw new HttpError(404, "No such review item.");
    const { properties } = await allowed(c, view.item.propertyId);
    return render(
      c,
      { title: "Review", properties, current: view.item.propertyId },
      reviewItemView(view, token(c)),
    );
  });

  async function decide(c: ConsoleContext, decision: "approved" | "rejected") {
    const id = idParam(c, "id");
    const item = await stores.console.review(id);
    if (item === null) throw new HttpError(404, "No such review item.");
    await allowed(c, item.propertyId);
    const input = { reviewId: id, decidedBy: c.get("principal").subject };
    if (decision === "approved") {
      const keep = (await form(c)).keep ?? "candidate";
      if (keep !== "candidate" && keep !== "record") {
        throw new HttpError(400, "Keep the existing contact or this record's contact.");
      }
      await approveReview(reviewDeps, { ...input, survivor: keep });
    } else await rejectReview(reviewDeps, input);
    return c.redirect(
      `${CONSOLE_BASE}/properties/${item.propertyId}/reviews?done=${decision}`,
      303,
    );
  }
  app.post("/reviews/:id/approve", (c) => decide(c, "approved"));
  app.post("/reviews/:id/reject", (c) => decide(c, "rejected"));

  app.get("/contacts/:id", async (c) => {
    const detail = await stores.console.contact(idParam(c, "id"));
    if (detail === null) throw new HttpError(404, "No such contact.");
    const { properties } = await allowed(c, detail.propertyId);
    return render(
      c,
      { title: "Contact", properties, current: detail.propertyId },
      contactView(detail, token(c)),
    );
  });

  app.post("/contacts/:id/unmerge", async (c) => {
    const id = idParam(c, "id");
    const detail = await stores.console.contact(id);
    if (detail === null) throw new HttpError(404, "No such contact.");
    await allowed(c, detail.propertyId);
    const merge = (await form(c)).merge;
    if (typeof merge !== "string" || !uuidPattern.test(merge)) {
      throw new HttpError(400, "Choose a merge to undo.");
    }
    await unmerge(reviewDeps, { userId: id, mergeId: merge });
    return c.redirect(`${CONSOLE_BASE}/contacts/${id}?done=unmerged`, 303);
  });

  app.post("/links/:id/retry", async (c) => {
    const id = idParam(c, "id");
    const link = await stores.console.link(id);
    if (link === null) throw new HttpError(404, "No such link.");
    await allowed(c, link.propertyId);
    if (deps.retryLink === undefined) {
      throw new HttpError(
        409,
        "Retry needs a ResMan connection, which this console does not have.",
      );
    }
    const outcome = await deps.retryLink(link.propertyId, id);
    return c.redirect(
      `${CONSOLE_BASE}/properties/${link.propertyId}/health?done=retry_${outcome}`,
      303,
    );
  });

  app.get("/properties/:id/rules", async (c) => {
    const { property, properties } = await allowed(c, idParam(c, "id"));
    const view = await showRules(stores, property.id);
    return render(
      c,
      { title: "Rules", properties, current: property.id },
      rulesView(view, rulesFormOf(view), token(c)),
    );
  });

  app.post("/properties/:id/rules", async (c) => {
    const { property, properties } = await allowed(c, idParam(c, "id"));
    const body = await form(c);
    const text = typeof body.criteria === "string" ? body.criteria : "";
    const strategy = typeof body.strategy === "string" ? body.strategy : "";
    const refuse = async (issues: { path: string; message: string }[], message: string) => {
      const view = await showRules(stores, property.id);
      return render(
        c,
        { title: "Rules", properties, current: property.id },
        rulesView(view, { criteria: text, strategy, issues, message }, token(c)),
        400,
      );
    };
    if (!(mergeStrategies as readonly string[]).includes(strategy)) {
      return refuse(
        [{ path: "merge_strategy", message: `must be one of ${mergeStrategies.join(", ")}` }],
        "Not saved.",
      );
    }
    let criteria: unknown;
    try {
      criteria = JSON.parse(text);
    } catch {
      return refuse(
        [{ path: "", message: "is not valid JSON" }],
        "Not saved: the criteria are not JSON.",
      );
    }
    try {
      await updateRules(stores, property.id, { criteria, strategy: strategy as MergeStrategy });
    } catch (error) {
      if (error instanceof InvalidInputError) {
        const issues =
          error.issues.length > 0 ? [...error.issues] : [{ path: "", message: error.message }];
        return refuse(issues, "Not saved: the rules are not valid.");
      }
      throw error;
    }
    return c.redirect(`${CONSOLE_BASE}/properties/${property.id}/rules?done=saved`, 303);
  });

  app.notFound((c) => c.html(errorPage("Not found."), 404));
  app.onError((error, c) => {
    if (error instanceof HttpError) return c.html(errorPage(error.message), error.status);
    if (error instanceof HTTPException && error.status === 403) {
      // Hono's csrf middleware: a form posted from another origin.
      return c.html(errorPage("The form did not come from the console: reload the page."), 403);
    }
    if (error instanceof MergeRefusedError)
      return c.html(errorPage(`Not done: ${error.message}.`), 409);
    if (error instanceof InvalidInputError) return c.html(errorPage(error.message), 400);
    deps.onError?.(error instanceof ContactSyncError ? error.code : "unexpected_error");
    return c.html(
      errorPage(
        "Internal error. The request may not have been carried out: reload to see the current state.",
      ),
      500,
    );
  });
  return app;
}

function errorPage(message: string): Promise<string> | string {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>contact-sync</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="${CONSOLE_BASE}/assets/console.css"></head>
<body><main><h1>contact-sync</h1><p class="errors" role="alert">${message}</p>
<p><a href="${CONSOLE_BASE}/">Back to the console</a></p></main></body></html>`.toString();
}
