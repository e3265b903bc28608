/** The contract suites on PGlite (embedded Postgres in WASM, in memory). */
import { describeSchemaContract } from "./schemaContract.js";
import { describeSyncContract } from "./syncContract.js";

describeSchemaContract("pglite");
describeSyncContract("pglite");
