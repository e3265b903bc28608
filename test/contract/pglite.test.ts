/** The contract suites on PGlite (embedded Postgres in WASM, in memory). */
import { describeImportContract } from "./importContract.js";
import { describeOrderContract } from "./orderContract.js";
import { describeSchemaContract } from "./schemaContract.js";
import { describeSyncContract } from "./syncContract.js";

describeSchemaContract("pglite");
describeSyncContract("pglite");
describeImportContract("pglite");
describeOrderContract("pglite", 25);
