/** The contract suites on the neon driver: Neon serverless over a local WebSocket proxy to the local Postgres. */
import { describeCommonKeysContract } from "./commonKeysContract.js";
import { describeImportContract } from "./importContract.js";
import { describeOrderContract } from "./orderContract.js";
import { describeSchemaContract } from "./schemaContract.js";
import { describeSyncContract } from "./syncContract.js";

describeSchemaContract("neon");
describeSyncContract("neon");
describeImportContract("neon");
describeCommonKeysContract("neon");
describeOrderContract("neon", 25);
