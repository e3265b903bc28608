/**
 * The review queue's pages: one item at a time, oldest first, the two contacts side by side
 * with the ResMan record that raised the item, each compared field's level and weight, the
 * total against the thresholds and the guard that held the pair back. Approve merges the two
 * into the contact the reviewer keeps (the candidate unless told otherwise); Reject keeps them
 * apart for good. Keyboard: `a`
 * approve, `r` reject (console.js); after a decision the queue's next item loads.
 */
import { html } from "hono/html";
import type { ReviewPage } from "../app/consoleViews.js";
import type { ContactDetail } from "../app/ports/consoleStore.js";
import type { ContactValues, RecordVariant } from "../domain/contact.js";
import { variantValues } from "../domain/contact.js";
import type { EvidenceRow, ReviewField } from "../domain/review.js";
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

/** How the pages name the compared fields (the review's rows, the contact's record variants). */
export const fieldLabels: Record<ReviewField, string> = {
  first_name: "First name",
  last_name: "Last name",
  date_of_birth: "Birth date",
  email: "Email",
  phone: "Phone",
  address: "Address",
};

/** A field's value as shown: every phone, the address on one line. */
export function shownValue(values: ContactValues | null, field: ReviewField): string {
  if (values === null) return "";
  switch (field) {
    case "first_name":
      return [values.firstName, values.middleName].filter(Boolean).join(" ");
    case "last_name":
      return values.lastName ?? "";
    case "date_of_birth":
      return values.dateOfBirth ?? "";
    case "email":
      return values.email ?? "";
    case "phone":
      return Object.values(values.phones)
        .map((p) => p?.raw)
        .filter(Boolean)
        .join(", ");
    case "address": {
      const a = values.address;
      if (a === null) return "";
      return [a.line1, a.line2, a.city, a.state, a.postalCode].filter(Boolean).join(", ");
    }
  }
}

/** The values the ResMan record itself carried (its variant on the record's contact). */
function recordValues(record: ContactDetail | null, personId: string | null): ContactValues | null {
  if (record === null || personId === null) return null;
  const variant: RecordVariant | undefined = record.contact.secondary.variants?.find(
    (v) => v.version?.record === personId,
  );
  return variant === undefined ? null : variantValues(variant);
}

function evidenceRow(row: EvidenceRow, cells: (ContactValues | null)[]): Markup {
  return html`<tr>
    <th scope="row">${fieldLabels[row.field]}</th>
    ${cells.map((values) => html`<td>${shownValue(values, row.field) || html`<span class="blank">—</span>`}</td>`)}
    <td><span class="level level-${row.level ?? "none"}">${row.level ?? "—"}</span></td>
    <td class="num">${row.weight === null ? "—" : row.weight.toFixed(2)}</td>
  </tr>`;
}

export function reviewItemView(view: ReviewPage, csrf: string): Markup {
  const { item, record, candidate } = view;
  const fromRecord = recordValues(record, item.personId);
  const columns: { title: Markup; values: ContactValues | null }[] = [
    ...(fromRecord === null
      ? []
      : [{ title: html`ResMan record <code>${item.personId ?? ""}</code>`, values: fromRecord }]),
    {
      title: html`This record's contact ${contactLink(item.userId)}`,
      values: record?.contact.values ?? null,
    },
    {
      title: html`Candidate ${contactLink(item.candidateId)}`,
      values: candidate?.contact.values ?? null,
    },
  ];
  const decided = item.status !== "open";
  return html`<section class="review" data-review="${item.id}">
  <h1>Review <code title="${item.id}">${shortId(item.id)}</code> ${status(item.status)}</h1>
  <p class="meta">Raised ${when(item.createdAt)} · ${view.openTotal} open in this property
    ${item.personId === null ? html` · a chatbot lead` : html` · ResMan person <code>${item.personId}</code>`}</p>
  <table class="compare">
    <thead><tr><th>Field</th>${columns.map((c) => html`<th>${c.title}</th>`)}<th>Level</th><th>Weight</th></tr></thead>
    <tbody>${view.evidence.map((row) =>
      evidenceRow(
        row,
        columns.map((c) => c.values),
      ),
    )}</tbody>
    <tfoot><tr><th scope="row">Total</th><td colspan="${columns.length}">
      score <strong class="score">${score(item.score)}</strong>; review from ${score(view.thresholds.review)}, merge from ${score(view.thresholds.auto_merge)}
      ${view.swappedNames ? html`; first and last name compared crosswise` : ""}
    </td><td colspan="2"></td></tr>
    ${view.guard === null ? "" : html`<tr><th scope="row">Guard</th><td colspan="${columns.length + 2}" class="guard">${view.guard}: held back for a person to decide</td></tr>`}
    </tfoot>
  </table>
  ${
    decided
      ? html`<p>Decided ${when(item.decidedAt)}.</p>`
      : html`<div class="decide">
    <form method="post" action="${CONSOLE_BASE}/reviews/${item.id}/approve" id="approve-form">
      ${csrfField(csrf)}
      <fieldset class="keep"><legend>Keep</legend>
        <label><input type="radio" name="keep" value="candidate" checked> the existing contact ${contactLink(item.candidateId)}</label>
        <label><input type="radio" name="keep" value="record"> this record's contact ${contactLink(item.userId)}</label>
      </fieldset>
      <button type="submit" class="approve" aria-keyshortcuts="a">Approve: same person, merge <kbd>a</kbd></button>
    </form>
    <form method="post" action="${CONSOLE_BASE}/reviews/${item.id}/reject" id="reject-form">
      ${csrfField(csrf)}
      <button type="submit" class="reject" aria-keyshortcuts="r">Reject: different people <kbd>r</kbd></button>
    </form>
    <p class="hint">Approving merges the two into the contact you keep (values by the property's survivorship rules; undo from the kept contact's page). Rejecting keeps them apart; the pair is never proposed again.</p>
  </div>`
  }
</section>`;
}

export function emptyQueueView(propertyName: string): Markup {
  return html`<section class="review"><h1>Review queue</h1>
  <p class="empty">Nothing to review in ${propertyName}.</p></section>`;
}
