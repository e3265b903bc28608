#!/usr/bin/env node
// Runs the TypeScript CLI without a build step (tsx), on the Node 24 that `npm install` put in
// node_modules/.bin (npx and npm scripts put that folder first on PATH).
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  process.stderr.write(
    `contact-sync: Node ${process.versions.node} is too old; run it through npx or npm scripts (Node 24 from devDependencies)\n`,
  );
  process.exit(1);
}
const { register } = await import("tsx/esm/api");
register();
await import("../lib/cli/main.ts");
