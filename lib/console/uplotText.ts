/**
 * uPlot's browser build and style sheet as text, for the console function's bundle: esbuild
 * inlines a `type: "text"` import, so the Lambda zip needs no node_modules. Only that bundle
 * loads this module (`assets.ts` imports it when the files cannot be read from node_modules);
 * Node itself does not know the `text` import type.
 */

import js from "uplot/dist/uPlot.iife.min.js" with { type: "text" };
import css from "uplot/dist/uPlot.min.css" with { type: "text" };

export default { js, css };
