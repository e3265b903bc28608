/** The contract suites on PGlite (embedded Postgres in WASM, in memory). */
import { describeOrderContract } from "./orderContract.js";
import { describeSchemaContract } from "./schemaContract.js";
import { describeSyncContract } from "./syncContract.js";

describeSchemaContract("pglite");
describeSyncContract("pglite");
describeOrderContract("pglite", 25);
