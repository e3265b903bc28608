/**
 * A contact's page: its current values with the source of each (ResMan, the chatbot, staff),
 * its linked ResMan records with their sync status and last error, its secondary values and
 * how each record wrote the person, the enrichment timeline, and its merge history with an
 * Unmerge button on every merge not yet undone.
 */
import { html } from "hono/html";
import type { ContactDetail, MergeView } from "../app/ports/consoleStore.js";
import type { ContactField, RecordVariant } from "../domain/contact.js";
import { variantValues } from "../domain/contact.js";
import { reviewFields } from "../domain/review.js";
import {
  CONSOLE_BASE,
  contactLink,
  csrfField,
  type Markup,
  score,
  shortId,
  status,
  when,
} from "./layout.js";
import { fieldLabels, shownValue } from "./reviewPages.js";

const rows: { label: string; field: ContactField; value: (d: ContactDetail) => string }[] = [
  { label: "First name", field: "firstName", value: (d) => d.contact.values.firstName ?? "" },
  { label: "Middle name", field: "middleName", value: (d) => d.contact.values.middleName ?? "" },
  { label: "Last name", field: "lastName", value: (d) => d.contact.values.lastName ?? "" },
  { label: "Email", field: "email", value: (d) => d.contact.values.email ?? "" },
  {
    label: "Mobile",
    field: "phones.mobile",
    value: (d) => d.contact.values.phones.mobile?.raw ?? "",
  },
  {
    label: "Home phone",
    field: "phones.home",
    value: (d) => d.contact.values.phones.home?.raw ?? "",
  },
  {
    label: "Work phone",
    field: "phones.work",
    value: (d) => d.contact.values.phones.work?.raw ?? "",
  },
  { label: "Birth date", field: "dateOfBirth", value: (d) => d.contact.values.dateOfBirth ?? "" },
  { label: "Address", field: "address", value: (d) => shownValue(d.contact.values, "address") },
];

function variantRow(variant: RecordVariant): Markup {
  const values = variantValues(variant);
  return html`<tr><td><code>${variant.version?.record ?? "merged contact"}</code></td>
    ${reviewFields.map((f) => html`<td>${shownValue(values, f)}</td>`)}</tr>`;
}

function mergeRow(detail: ContactDetail, merge: MergeView, csrf: string): Markup {
  const kind =
    merge.absorbedId === null
      ? html`ResMan person <code>${merge.personId ?? ""}</code> linked`
      : merge.survivorId === detail.contact.id
        ? html`contact ${contactLink(merge.absorbedId)} merged in`
        : html`merged into ${contactLink(merge.survivorId)}`;
  return html`<tr>
    <td>${when(merge.createdAt)}</td><td>${kind}</td><td class="num">${score(merge.matchScore)}</td>
    <td>${
      merge.revertedAt !== null
        ? html`undone ${when(merge.revertedAt)}`
        : html`<form method="post" action="${CONSOLE_BASE}/contacts/${detail.contact.id}/unmerge">
        ${csrfField(csrf)}<input type="hidden" name="merge" value="${merge.id}">
        <button type="submit" class="unmerge">Unmerge</button></form>`
    }</td></tr>`;
}

export function contactView(detail: ContactDetail, csrf: string): Markup {
  const { contact } = detail;
  const secondary = contact.secondary;
  return html`<section class="contact" data-contact="${contact.id}">
  <h1>Contact <code title="${contact.id}">${shortId(contact.id)}</code> <span class="kind">${contact.kind}</span></h1>
  ${
    detail.mergedIntoId === null
      ? ""
      : html`<p class="flash">Merged into ${contactLink(detail.mergedIntoId)}; its current values live there.</p>`
  }
  <table class="values"><thead><tr><th>Field</th><th>Value</th><th>Source</th></tr></thead><tbody>
  ${rows.map(
    (
      r,
    ) => html`<tr><th scope="row">${r.label}</th><td>${r.value(detail) || html`<span class="blank">—</span>`}</td>
      <td>${contact.sources[r.field] ?? "—"}</td></tr>`,
  )}
  </tbody></table>

  <h2>ResMan records</h2>
  ${
    detail.links.length === 0
      ? html`<p class="empty">No linked record.</p>`
      : html`<table class="links"><thead><tr><th>PersonID</th><th>Sync status</th><th>ResMan status</th><th>Score</th><th>Last sync</th><th>Attempts</th><th>Last error</th></tr></thead><tbody>
  ${detail.links.map(
    (
      l,
    ) => html`<tr><td><code>${l.personId ?? "chatbot lead"}</code></td><td>${status(l.syncStatus)}</td>
      <td>${l.resmanStatus ?? "—"}</td><td class="num">${score(l.matchScore)}</td><td>${when(l.lastSyncAt)}</td>
      <td class="num">${l.attempts}</td><td>${l.lastError ?? ""}</td></tr>`,
  )}</tbody></table>`
  }

  <h2>Secondary values</h2>
  <p>Emails: ${secondary.emails.length === 0 ? "—" : secondary.emails.join(", ")}</p>
  <p>Phones: ${secondary.phones.length === 0 ? "—" : secondary.phones.map((p) => p.raw).join(", ")}</p>
  ${
    (secondary.variants ?? []).length === 0
      ? ""
      : html`<h3>How each record wrote the person</h3>
  <table class="variants"><thead><tr><th>Record</th>${reviewFields.map((f) => html`<th>${fieldLabels[f]}</th>`)}</tr></thead>
  <tbody>${(secondary.variants ?? []).map(variantRow)}</tbody></table>`
  }

  <h2>Enrichment timeline</h2>
  ${
    detail.enrichments.length === 0
      ? html`<p class="empty">Nothing from the chatbot yet.</p>`
      : html`<ol class="timeline">${detail.enrichments.map(
          (
            e,
          ) => html`<li><span class="when">${when(e.createdAt)}</span> <strong>${e.type ?? ""}</strong>
        from ${e.source ?? "—"}${e.conversationId === null ? "" : html` · conversation <code>${e.conversationId}</code>`}
        <pre>${JSON.stringify(e.data, null, 2)}</pre></li>`,
        )}</ol>`
  }

  <h2>Merge history</h2>
  ${
    detail.merges.length === 0
      ? html`<p class="empty">No merge.</p>`
      : html`<table class="merges"><thead><tr><th>When</th><th>What</th><th>Score</th><th></th></tr></thead>
  <tbody>${detail.merges.map((m) => mergeRow(detail, m, csrf))}</tbody></table>`
  }
</section>`;
}
