/** The contract suites on the neon driver: Neon serverless over a local WebSocket proxy to the local Postgres. */
import { describeSchemaContract } from "./schemaContract.js";
import { describeSyncContract } from "./syncContract.js";

describeSchemaContract("neon");
describeSyncContract("neon");
