/**
 * The layering rules of lib/ (README "Layout"), checked by `npm run deps` in `npm test`:
 * the domain is pure (no other layer, no driver, no AWS, no Node I/O); use cases depend on the
 * domain and their ports only; adapters never reach into the entry points above them.
 */
module.exports = {
  forbidden: [
    {
      name: "domain-is-pure",
      comment: "lib/domain imports nothing from app, adapters, cli, console, local or functions",
      severity: "error",
      from: { path: "^lib/domain/" },
      to: { path: "^(lib/(app|adapters|cli|console|local|publisher)|functions)/" },
    },
    {
      name: "domain-has-no-drivers",
      comment: "lib/domain knows no database driver, AWS client or web framework",
      severity: "error",
      from: { path: "^lib/domain/" },
      to: {
        path: "node_modules/(@aws-sdk|@aws-lambda-powertools|@middy|pg|drizzle-orm|@neondatabase|@electric-sql|ws)/",
      },
    },
    {
      name: "domain-does-no-io",
      comment: "lib/domain does no file, network or process I/O",
      severity: "error",
      from: { path: "^lib/domain/" },
      to: {
        dependencyTypes: ["core"],
        path: "^(fs|node:fs|net|node:net|http|node:http|https|node:https|child_process|node:child_process)(/|$)",
      },
    },
    {
      name: "app-uses-ports",
      comment: "lib/app reaches adapters only through its ports, and never the entry points",
      severity: "error",
      from: { path: "^lib/app/" },
      to: { path: "^(lib/(adapters|cli|console|local)|functions)/" },
    },
    {
      name: "adapters-below-entry-points",
      comment:
        "lib/adapters never imports the CLI, the console, the local stack or the Lambda entry points",
      severity: "error",
      from: { path: "^lib/adapters/" },
      to: { path: "^(lib/(cli|console|local)|functions)/" },
    },
    {
      name: "console-below-its-hosts",
      comment:
        "lib/console is hosted by the local stack and the console function, never the reverse",
      severity: "error",
      from: { path: "^lib/console/" },
      to: { path: "^(lib/(cli|local)|functions)/" },
    },
    {
      name: "zod-through-its-module",
      comment:
        "zod comes from lib/domain/zod.ts (its mini build with English messages): a direct import could pull classic zod into a bundle, or parse without the messages",
      severity: "error",
      from: { path: "^(lib|functions)/", pathNot: "^lib/domain/zod\\.ts$" },
      to: { path: "node_modules/zod/" },
    },
    {
      name: "no-circular",
      comment: "modules import each other in one direction",
      severity: "error",
      from: { path: "^(lib|functions)/" },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // TypeScript 7 has no compiler API for dependency-cruiser yet: swc parses the sources, and
    // keeps `import type` edges (a type import across layers is still a violation).
    parser: "swc",
    tsPreCompilationDeps: false,
  },
};
