/**
 * Loading Drizzle's ES modules without Node 24's cost for each of them.
 *
 * To resolve a module, Node 24's loader reads the package.json that governs it (its "type"
 * decides the format of a `.js` file) through `package_json_reader`, which deserialises the whole
 * file again for every module, `exports` included (nodejs/node#58126, open). Drizzle's
 * package.json is 179 KB of exports and its ES build ~200 modules, so importing it cost ~0.5 s
 * and ~150 MB of short-lived heap in every `contact-sync` command (Node 20: 60 ms): measured,
 * `contact-sync --version` 1.12 s and ~290 MB of RSS, 0.73 s and ~135 MB with this hook
 * (docs/performance-log.md, "The command's start"). The command registers it (`main.ts`), and so
 * does each test worker (`test/support/moduleLoading.ts`); the Lambda functions need none (each
 * is one bundled file).
 *
 * The hook resolves what Drizzle's own modules import relatively (`./sql/index.js`, always with
 * its extension) as the loader would, without the lookup: a URL relative to the importing file,
 * an ES module (Drizzle's package says `"type": "module"`); and it resolves each bare
 * `drizzle-orm…` specifier once per importing folder. Drizzle stays the one ES build the code imports (its CommonJS
 * build would be a second copy of it and of the drivers it checks with `instanceof`).
 */
import { type ResolveFnOutput, registerHooks } from "node:module";

/** Where Drizzle's files are: any `node_modules/drizzle-orm/` folder. */
const DRIZZLE = "/node_modules/drizzle-orm/";

let registered = false;

/**
 * Registers the hook for this process (once; later calls do nothing). Call it before anything
 * imports `drizzle-orm`: modules imported statically next to the call are resolved before it runs.
 */
export function resolveDrizzleQuickly(): void {
  if (registered) return;
  registered = true;
  const bareResolved = new Map<string, ResolveFnOutput>();
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const parent = context.parentURL;
      const relative = specifier.startsWith("./") || specifier.startsWith("../");
      if (
        relative &&
        parent?.includes(DRIZZLE) &&
        parent.endsWith(".js") &&
        specifier.endsWith(".js")
      ) {
        return { url: new URL(specifier, parent).href, format: "module", shortCircuit: true };
      }
      if (specifier !== "drizzle-orm" && !specifier.startsWith("drizzle-orm/")) {
        return nextResolve(specifier, context);
      }
      // Per importing folder: a package with its own copy of Drizzle resolves to that copy.
      const folder = parent === undefined ? "" : new URL(".", parent).href;
      const key = `${specifier}\0${folder}\0${(context.conditions ?? []).join(",")}`;
      const known = bareResolved.get(key);
      if (known !== undefined) return known;
      const resolved = nextResolve(specifier, context);
      bareResolved.set(key, { ...resolved, shortCircuit: true });
      return resolved;
    },
  });
}
