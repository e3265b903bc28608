/**
 * A property's matching rules: the criteria as the JSON document `contact-sync rules get`
 * prints (weights, thresholds, guards) and the merge strategy, edited in place. A document that
 * fails validation is not saved: the page comes back with the text as typed and each bad path
 * with its reason.
 */
import { html } from "hono/html";
import type { RulesView } from "../app/propertyRules.js";
import { mergeStrategies } from "../domain/survivorship.js";
import { CONSOLE_BASE, csrfField, type Markup } from "./layout.js";

export interface RulesForm {
  /** The criteria text to show (as typed after a refused save). */
  criteria: string;
  strategy: string;
  issues: readonly { path: string; message: string }[];
  message?: string | undefined;
}

export function rulesFormOf(view: RulesView): RulesForm {
  return {
    criteria: JSON.stringify(view.matchingCriteria, null, 2),
    strategy: view.mergeStrategy,
    issues: view.issues,
  };
}

/** What each merge strategy does, as the select offers it (README, "Survivorship with provenance"). */
const strategyLabels: Record<(typeof mergeStrategies)[number], string> = {
  resman_wins: "resman_wins — where ResMan and the chatbot disagree on a field, ResMan's value",
  domiq_wins: "domiq_wins — where they disagree, the chatbot's value",
  manual_review:
    "manual_review — where they disagree, the chatbot's value, the link pending and the fields named for a person",
};

export function rulesView(view: RulesView, form: RulesForm, csrf: string): Markup {
  return html`<section class="rules"><h1>Matching rules</h1>
  <p class="meta">Criteria: ${view.matchingCriteriaSource}; merge strategy: ${view.mergeStrategySource}.</p>
  ${
    form.issues.length === 0
      ? ""
      : html`<div class="errors" role="alert"><p>${form.message ?? "Not saved: the rules are not valid."}</p><ul>
      ${form.issues.map((i) => html`<li><code>${i.path || "(document)"}</code>: ${i.message}</li>`)}</ul></div>`
  }
  <form method="post" action="${CONSOLE_BASE}/properties/${view.propertyId}/rules" class="rules-form">
    ${csrfField(csrf)}
    <label for="strategy">Merge strategy</label>
    <select id="strategy" name="strategy">
      ${mergeStrategies.map((s) => html`<option value="${s}"${s === form.strategy ? html` selected` : ""}>${strategyLabels[s]}</option>`)}
    </select>
    <label for="criteria">Matching criteria (JSON)</label>
    <textarea id="criteria" name="criteria" rows="28" spellcheck="false">${form.criteria}</textarea>
    <button type="submit">Save rules</button>
  </form>
  </section>`;
}
