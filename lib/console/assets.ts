/**
 * The console's static files, served under `/console/assets/` from memory with long caching:
 * its style sheet and its one script (progressive enhancement: every page works without it),
 * and uPlot (the charts), read once from the `uplot` package, or, in the console function's
 * bundle (no node_modules there), from the copy esbuild inlined (`uplotText.ts`).
 *
 * console.js: keyboard shortcuts on a review item (`a` approve, `r` reject, ignored while
 * typing or with a modifier held) and the health page's chart, drawn from the JSON in the
 * chart element's `data-series` attribute. No inline script or style: the CSP forbids both.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const css = `
:root { --fg: #1d2433; --muted: #6b7385; --line: #d9dee8; --accent: #2457c5; --bad: #b42318; --good: #1f7a3d; --warn: #a15c00; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #f6f7fa; }
header { display: flex; justify-content: space-between; align-items: center; padding: .6rem 1.2rem; background: #1d2433; color: #fff; }
header a.brand { color: #fff; font-weight: 600; text-decoration: none; }
header .who { color: #c8cfdd; font-size: 12px; }
.shell { display: flex; min-height: calc(100vh - 42px); }
nav { width: 230px; padding: 1rem; border-right: 1px solid var(--line); background: #fff; }
nav ul { list-style: none; margin: 0; padding: 0; }
nav li { margin-bottom: .8rem; }
nav li.current .nav-name { color: var(--accent); }
nav .nav-name { display: block; font-weight: 600; }
nav a { margin-right: .5rem; font-size: 12px; }
main { flex: 1; padding: 1.2rem 1.6rem; min-width: 0; }
h1 { font-size: 20px; margin: 0 0 .6rem; }
h2 { font-size: 16px; margin: 1.6rem 0 .5rem; }
table { border-collapse: collapse; background: #fff; margin: .4rem 0; width: 100%; }
th, td { border: 1px solid var(--line); padding: .35rem .55rem; text-align: left; vertical-align: top; }
thead th { background: #eef1f6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .id { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
.id, h1 code { white-space: nowrap; }
.blank, .muted { color: var(--muted); }
.flash { padding: .5rem .8rem; background: #e7f0ff; border: 1px solid #b8cdf5; }
.errors { padding: .5rem .8rem; background: #fdecea; border: 1px solid #f2b8b5; }
.status { padding: 0 .35rem; border-radius: 3px; background: #eef1f6; }
.status-success, .status-ok, .status-approved { color: var(--good); }
.status-failed, .status-rejected { color: var(--bad); }
.status-pending, .status-open, .status-partial { color: var(--warn); }
.stale { color: #fff; background: var(--bad); padding: 0 .35rem; border-radius: 3px; font-size: 12px; }
.level-exact, .level-nickname { color: var(--good); font-weight: 600; }
.level-different, .level-conflict, .level-disagree { color: var(--bad); font-weight: 600; }
fieldset.keep { border: 1px solid var(--line); background: #fff; margin: 0 0 .5rem; display: flex; gap: 1rem; }
.level-missing { color: var(--muted); }
.guard { color: var(--warn); }
.decide { display: flex; gap: .8rem; align-items: center; flex-wrap: wrap; margin-top: 1rem; }
.decide form { margin: 0; }
button { font: inherit; padding: .45rem .9rem; border-radius: 4px; border: 1px solid var(--line); background: #fff; cursor: pointer; }
button.approve { background: var(--good); color: #fff; border-color: var(--good); }
button.reject { background: var(--bad); color: #fff; border-color: var(--bad); }
button:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
kbd { font-size: 11px; border: 1px solid rgba(255,255,255,.6); border-radius: 3px; padding: 0 .3rem; margin-left: .3rem; }
.hint { color: var(--muted); font-size: 12px; }
.chart { background: #fff; border: 1px solid var(--line); padding: .5rem; min-height: 260px; }
.totals .total { margin-right: .8rem; }
.timeline pre { background: #fff; border: 1px solid var(--line); padding: .4rem; margin: .3rem 0 .8rem; font-size: 12px; white-space: pre-wrap; }
.rules-form { display: grid; gap: .4rem; max-width: 760px; }
.rules-form textarea { font-family: ui-monospace, monospace; font-size: 12px; }
`;

const script = `(() => {
  "use strict";
  const typing = (el) => el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    const form = event.key === "a" ? document.getElementById("approve-form")
      : event.key === "r" ? document.getElementById("reject-form") : null;
    if (form) { event.preventDefault(); form.requestSubmit(); }
  });
  const chart = document.getElementById("hourly-chart");
  if (chart && window.uPlot) {
    const data = JSON.parse(chart.dataset.series || "{}");
    const colors = { synced: "#1f7a3d", merged: "#2457c5", review: "#a15c00", failed: "#b42318" };
    const names = Object.keys(data.series || {});
    const opts = {
      width: Math.max(320, chart.clientWidth - 16), height: 240,
      scales: { x: { time: true } },
      series: [{}].concat(names.map((name) => ({ label: name, stroke: colors[name] || "#555", width: 1.5, points: { show: false } }))),
      axes: [{}, { label: "syncs per hour" }],
    };
    chart.dataset.drawn = "true";
    new window.uPlot(opts, [data.hours].concat(names.map((n) => data.series[n])), chart);
  }
})();
`;

let uplotFiles: Promise<{ js: string; css: string }> | undefined;

/** uPlot's files: from node_modules (local), else the text the console's bundle inlines. */
function uplot(): Promise<{ js: string; css: string }> {
  uplotFiles ??= (async () => {
    try {
      const require = createRequire(import.meta.url);
      return {
        js: readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8"),
        css: readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8"),
      };
    } catch {
      return (await import("./uplotText.js")).default;
    }
  })();
  return uplotFiles;
}

/** An asset by its file name: its type and text; undefined for an unknown name. */
export async function consoleAsset(
  name: string,
): Promise<{ type: string; body: string } | undefined> {
  switch (name) {
    case "console.css":
      return { type: "text/css; charset=utf-8", body: css };
    case "console.js":
      return { type: "text/javascript; charset=utf-8", body: script };
    case "uPlot.min.js":
      return { type: "text/javascript; charset=utf-8", body: (await uplot()).js };
    case "uPlot.min.css":
      return { type: "text/css; charset=utf-8", body: (await uplot()).css };
    default:
      return undefined;
  }
}
