/** The contract suites on node-postgres against the local Postgres server. */
import { describeCommonKeysContract } from "./commonKeysContract.js";
import { describeImportContract } from "./importContract.js";
import { describeOrderContract } from "./orderContract.js";
import { describeSchemaContract } from "./schemaContract.js";
import { describeSyncContract } from "./syncContract.js";

describeSchemaContract("pg");
describeSyncContract("pg");
describeImportContract("pg");
describeCommonKeysContract("pg");
describeOrderContract("pg", 40);
