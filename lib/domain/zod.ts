/**
 * zod for this package: its mini build (`zod/mini`, functions instead of methods, so a bundle
 * carries only the validators it uses: 37–40 KB minified in a function against 91–99 KB for the
 * classic build; issue 15, docs/performance-log.md) with zod's English messages, which the classic
 * build sets on import and the mini build leaves out. Every schema of `lib/` imports zod from
 * here (`import * as z from "./zod.js"`), so the messages that the package's errors report
 * (`zodIssues.ts`) are the same wherever a schema is parsed; `npm run deps` refuses any other
 * module of `lib/` or `functions/` importing zod itself (`.dependency-cruiser.cjs`).
 */

import { en } from "zod/locales";
import { config } from "zod/mini";

config(en());

export * from "zod/mini";
