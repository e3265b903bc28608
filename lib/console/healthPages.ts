/**
 * Sync health: every property the user may see at a glance (success rate, merged, failed,
 * pending, review backlog, outbox waiting, dead letters, last reconciliation and its age, stale
 * flagged), and one property in full: syncs per hour by outcome over seven days (drawn by
 * console.js with uPlot from the JSON embedded in the page), its failed links with their
 * reasons and a Retry, and its newest outbound events.
 */
import { html } from "hono/html";
import type { PropertyHealth } from "../app/consoleViews.js";
import { syncOutcomes } from "../app/ports/consoleStore.js";
import { age, CONSOLE_BASE, contactLink, csrfField, type Markup, status, when } from "./layout.js";

type Overview = Omit<PropertyHealth, "hourly" | "failedLinks" | "outboundEvents" | "since">;

function rate(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${Number(value).toFixed(1)} %`;
}

function reconciliationCell(h: Overview): Markup {
  const r = h.reconciliation;
  if (!r.registered) return html`<span class="muted">not registered</span>`;
  return html`${status(r.lastStatus ?? "never")} ${age(r.ageSeconds)}${
    r.stale ? html` <span class="stale">STALE</span>` : ""
  }${r.enabled ? "" : html` <span class="muted">(disabled)</span>`}`;
}

function figures(h: Overview): Markup {
  const s = h.stats;
  return html`<td class="num" data-figure="success-rate">${rate(s?.syncSuccessRate)}</td>
    <td class="num" data-figure="links">${s?.links ?? 0}</td>
    <td class="num" data-figure="merged">${s?.merged ?? 0}</td>
    <td class="num" data-figure="failed">${s?.failed ?? 0}</td>
    <td class="num" data-figure="pending">${s?.pending ?? 0}</td>
    <td class="num" data-figure="review-backlog">${h.reviewBacklog}</td>
    <td class="num" data-figure="outbox-waiting">${s?.eventsWaiting ?? 0}</td>
    <td class="num" data-figure="dead-letters">${h.deadLetters ?? "—"}</td>
    <td data-figure="reconciliation">${reconciliationCell(h)}</td>`;
}

const figureHeads = html`<th>Success</th><th>Links</th><th>Merged</th><th>Failed</th><th>Pending</th><th>Review</th><th>Outbox waiting</th><th>Dead letters</th><th>Last reconciliation</th>`;

export function overviewView(rows: readonly Overview[]): Markup {
  return html`<section class="health"><h1>Sync health</h1>
  <table class="figures"><thead><tr><th>Property</th>${figureHeads}</tr></thead><tbody>
  ${rows.map(
    (h) =>
      html`<tr data-property="${h.property.id}"><th scope="row"><a href="${CONSOLE_BASE}/properties/${h.property.id}/health">${h.property.name}</a></th>${figures(h)}</tr>`,
  )}
  </tbody></table>
  <p class="hint">Dead letters count the whole sync queue's dead-letter queue (it is shared by every property).</p>
  </section>`;
}

/** The chart's data: hours since `since` (epoch seconds) and one count per outcome. */
export function chartSeries(
  h: PropertyHealth,
  now: Date,
): { hours: number[]; series: Record<string, number[]> } {
  const start = Math.floor(h.since.getTime() / 3_600_000);
  const end = Math.floor(now.getTime() / 3_600_000);
  const hours: number[] = [];
  for (let hour = start; hour <= end; hour++) hours.push(hour * 3_600);
  const series: Record<string, number[]> = Object.fromEntries(
    syncOutcomes.map((o) => [o, hours.map(() => 0)]),
  );
  for (const row of h.hourly) {
    const index = Math.floor(row.hour.getTime() / 3_600_000) - start;
    const counts = series[row.outcome];
    if (counts !== undefined && index >= 0 && index < hours.length) {
      counts[index] = (counts[index] ?? 0) + row.count;
    }
  }
  return { hours, series };
}

export function propertyHealthView(h: PropertyHealth, now: Date, csrf: string): Markup {
  const totals = Object.fromEntries(
    syncOutcomes.map((o) => [
      o,
      h.hourly.filter((r) => r.outcome === o).reduce((n, r) => n + r.count, 0),
    ]),
  );
  return html`<section class="health" data-property="${h.property.id}"><h1>Sync health · ${h.property.name}</h1>
  <table class="figures"><thead><tr>${figureHeads}</tr></thead><tbody><tr>${figures(h)}</tr></tbody></table>

  <h2>Syncs per hour, last 7 days</h2>
  <p class="totals">${syncOutcomes.map((o) => html`<span class="total total-${o}" data-total="${o}">${o}: ${totals[o] ?? 0}</span> `)}</p>
  <div id="hourly-chart" class="chart" role="img" aria-label="Syncs per hour by outcome"
    data-series="${JSON.stringify(chartSeries(h, now))}"></div>

  <h2>Failed links</h2>
  ${
    h.failedLinks.length === 0
      ? html`<p class="empty">No failed link.</p>`
      : html`<table class="failed"><thead><tr><th>PersonID</th><th>Contact</th><th>Last attempt</th><th>Attempts</th><th>Reason</th><th></th></tr></thead><tbody>
    ${h.failedLinks.map(
      (
        l,
      ) => html`<tr><td><code>${l.personId ?? "—"}</code></td><td>${contactLink(l.contactId)}</td><td>${when(l.lastSyncAt)}</td>
        <td class="num">${l.attempts}</td><td>${l.lastError ?? ""}</td>
        <td><form method="post" action="${CONSOLE_BASE}/links/${l.id}/retry">${csrfField(csrf)}<button type="submit">Retry</button></form></td></tr>`,
    )}</tbody></table>`
  }

  <h2>Outbound events</h2>
  ${
    h.outboundEvents.length === 0
      ? html`<p class="empty">No outbound event yet.</p>`
      : html`<table class="events"><thead><tr><th>Written</th><th>Type</th><th>Contact</th><th>PersonID</th><th>Status</th><th>Published</th></tr></thead><tbody>
    ${h.outboundEvents.map(
      (
        e,
      ) => html`<tr><td>${when(e.createdAt)}</td><td>${e.type}</td><td>${contactLink(e.contactId)}</td>
        <td><code>${e.personId ?? "—"}</code></td><td>${status(e.status)}</td><td>${e.publishedAt === null ? html`<span class="stale">waiting</span>` : when(e.publishedAt)}</td></tr>`,
    )}</tbody></table>`
  }
</section>`;
}
