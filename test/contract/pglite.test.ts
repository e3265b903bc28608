/** The contract suites on PGlite (embedded Postgres in WASM, in memory). */
import { describeCommonKeysContract } from "./commonKeysContract.js";
import { describeImportContract } from "./importContract.js";
import { describeOrderContract } from "./orderContract.js";
import { describeSchemaContract } from "./schemaContract.js";
import { describeSyncContract } from "./syncContract.js";

describeSchemaContract("pglite");
describeSyncContract("pglite");
describeImportContract("pglite");
describeCommonKeysContract("pglite");
describeOrderContract("pglite", 25);
