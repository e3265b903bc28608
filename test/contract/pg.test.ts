/** The contract suites on node-postgres against the local Postgres server. */
import { describeOrderContract } from "./orderContract.js";
import { describeSchemaContract } from "./schemaContract.js";
import { describeSyncContract } from "./syncContract.js";

describeSchemaContract("pg");
describeSyncContract("pg");
describeOrderContract("pg", 40);
