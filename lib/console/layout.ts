/**
 * The console's page frame and the small pieces every page uses: dates, scores, statuses,
 * the CSRF field of a form. Every value goes through Hono's `html` tag, which escapes text
 * (names, emails, notes alike); only other `html` results are inserted as markup. No inline
 * script or style anywhere: the Content-Security-Policy allows the console's own files only.
 */
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { ConsoleProperty } from "../app/ports/consoleStore.js";

export type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Where the console lives under the HTTP API (shared with the webhook and events routes). */
export const CONSOLE_BASE = "/console";

export interface Frame {
  title: string;
  /** The user's properties, for the navigation. */
  properties: readonly ConsoleProperty[];
  /** The property the page is about, if any. */
  current?: string | undefined;
  subject: string;
  /** A one-line notice after an action (never a personal value). */
  flash?: string | undefined;
  /** Extra scripts (the charts' library on the health page). */
  scripts?: readonly string[];
}

export function page(frame: Frame, body: Markup): Markup {
  const nav = frame.properties.map(
    (p) =>
      html`<li${p.id === frame.current ? html` class="current"` : ""}><span class="nav-name">${p.name}</span>
        <a href="${CONSOLE_BASE}/properties/${p.id}/reviews">Review</a>
        <a href="${CONSOLE_BASE}/properties/${p.id}/health">Health</a>
        <a href="${CONSOLE_BASE}/properties/${p.id}/rules">Rules</a></li>`,
  );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · contact-sync</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${CONSOLE_BASE}/assets/console.css">
${(frame.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
<script src="${CONSOLE_BASE}/assets/console.js" defer></script>
</head>
<body>
<header>
  <a class="brand" href="${CONSOLE_BASE}/">contact-sync</a>
  <span class="who">Signed in as ${frame.subject}</span>
</header>
<div class="shell">
<nav aria-label="Properties"><ul>${nav}</ul></nav>
<main>
${frame.flash === undefined ? "" : html`<p class="flash" role="status">${frame.flash}</p>`}
${body}
</main>
</div>
</body>
</html>`;
}

/** A form's hidden CSRF field. */
export function csrfField(token: string): Markup {
  return html`<input type="hidden" name="csrf" value="${token}">`;
}

export function when(at: Date | null | undefined): string {
  if (at === null || at === undefined) return "—";
  return `${at.toISOString().replace("T", " ").slice(0, 16)} UTC`;
}

export function age(seconds: number | null): string {
  if (seconds === null) return "never";
  if (seconds < 90) return `${Math.round(seconds)} s ago`;
  if (seconds < 5_400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3_600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}

export function score(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value.toFixed(2);
}

export function status(value: string | null | undefined): Markup {
  const text = value ?? "—";
  return html`<span class="status status-${text.replace(/[^a-z_]/g, "")}">${text}</span>`;
}

/**
 * An id as the pages show it: its last eight characters. Not its first: a contact id is a
 * UUIDv7, whose first eight characters are its creation time to the minute, so contacts made in
 * the same minute (an import's, a review item's two) would all look alike.
 */
export function shortId(id: string): string {
  return `…${id.slice(-8)}`;
}

/** A contact's link with its short id, the whole id on hover (ids only in URLs). */
export function contactLink(id: string | null | undefined): Markup {
  if (id === null || id === undefined) return html`—`;
  return html`<a class="id" href="${CONSOLE_BASE}/contacts/${id}" title="${id}">${shortId(id)}</a>`;
}
