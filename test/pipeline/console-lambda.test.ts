/**
 * The console function as deployed (`functions/console.ts`), configured only by the environment,
 * on real Postgres with SQS and SSM mocked and the ResMan stand-in for Retry: API Gateway's JWT
 * authorizer claims decide what a user sees (401 without claims, 403 for a property the token
 * does not list); the health page shows the DLQ depth SQS reports; a POST needs the console's
 * origin and form token; Retry reads the person from ResMan (credentials from SSM) and sends it
 * to the sync queue for the worker.
 */
import { randomUUID } from "node:crypto";
import {
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStores, type Stores } from "../../lib/adapters/db/stores.js";
import { DEFAULT_PROPERTIES_CLAIM } from "../../lib/console/access.js";
import { csrfToken } from "../../lib/console/app.js";
import type { ConsoleHandler } from "../../lib/console/handler.js";
import { syncMessageSchema } from "../../lib/domain/events.js";
import { type ResmanStub, startResmanStub } from "../../lib/local/resmanStub/server.js";
import { standInFailedLink } from "../fixtures/standInFailedLink.js";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";
import { lambdaContext } from "./support.js";

const SYNC_QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/contact-sync-test-sync";
const SYNC_DLQ_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/contact-sync-test-dlq";
const SECRET = "console-test-csrf-secret-0123456789abcdef";
const HOST = "console.example.test";

let database: TestDatabase;
let stores: Stores;
let stub: ResmanStub;
let sqs: AwsClientStub<SQSClient>;
let ssm: AwsClientStub<SSMClient>;
let handler: ConsoleHandler;

function event(
  method: "GET" | "POST",
  path: string,
  options: { claims?: Record<string, unknown>; body?: string; origin?: string } = {},
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = { host: HOST };
  if (options.body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
  if (options.origin !== undefined) headers.origin = options.origin;
  return {
    version: "2.0",
    routeKey: "ANY /console/{proxy+}",
    rawPath: path,
    rawQueryString: "",
    headers,
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: HOST,
      domainPrefix: "console",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "10.0.0.1", userAgent: "test" },
      requestId: randomUUID(),
      routeKey: "ANY /console/{proxy+}",
      stage: "$default",
      time: "03/Dec/2026:12:00:00 +0000",
      timeEpoch: 0,
      ...(options.claims === undefined
        ? {}
        : { authorizer: { jwt: { claims: options.claims, scopes: [] } } }),
    },
    ...(options.body === undefined ? {} : { body: options.body }),
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2;
}

const claims = (properties: string) => ({
  sub: "operator-7",
  [DEFAULT_PROPERTIES_CLAIM]: properties,
});

beforeAll(async () => {
  database = await openTestDatabase("pg");
  stores = createStores(database.handle.db);
  stub = await startResmanStub({ properties: 1, people: 12 });
  sqs = mockClient(SQSClient);
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: "3" } });
  sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
    Successful: (input.Entries ?? []).map((e) => ({
      Id: e.Id,
      MessageId: randomUUID(),
      MD5OfMessageBody: "x",
    })),
    Failed: [],
  }));
  ssm = mockClient(SSMClient);
  ssm.on(GetParameterCommand, { Name: "/test/partner" }).resolves({
    Parameter: { Value: stub.partnerId },
  });
  ssm
    .on(GetParameterCommand, { Name: "/test/key" })
    .resolves({ Parameter: { Value: stub.apiKey } });
  Object.assign(process.env, {
    DATABASE_URL: database.url,
    DB_DRIVER: "pg",
    AWS_REGION: "us-east-1",
    SYNC_QUEUE_URL,
    SYNC_DLQ_URL,
    CONSOLE_CSRF_SECRET: SECRET,
    RESMAN_PARTNER_ID_PARAMETER: "/test/partner",
    RESMAN_API_KEY_PARAMETER: "/test/key",
    RESMAN_V2_URL: stub.v2Url,
    RESMAN_V1_URL: stub.v1Url,
  });
  ({ handler } = await import("../../functions/console.js"));
});

afterAll(async () => {
  sqs?.restore();
  ssm?.restore();
  await stub?.close();
  await database?.cleanup();
});

describe("functions/console.ts behind the JWT authorizer", () => {
  it("answers 401 without claims, and 403 for a property the token does not list", async () => {
    const property = await stores.properties.ensureResmanProperty({
      resmanPropertyId: randomUUID(),
    });
    const anonymous = await handler(event("GET", "/console/"), lambdaContext);
    expect(anonymous.statusCode).toBe(401);
    const other = await handler(
      event("GET", `/console/properties/${property.id}/health`, {
        claims: claims(`[${randomUUID()}]`),
      }),
      lambdaContext,
    );
    expect(other.statusCode).toBe(403);
    const own = await handler(
      event("GET", `/console/properties/${property.id}/health`, {
        claims: claims(`[${property.id}]`),
      }),
      lambdaContext,
    );
    expect(own.statusCode).toBe(200);
    expect(own.headers?.["content-security-policy"]).toContain("script-src 'self'");
    // The DLQ depth SQS reports.
    expect(own.body).toMatch(/data-figure="dead-letters">3</);
    expect(sqs).toHaveReceivedCommandWith(GetQueueAttributesCommand, { QueueUrl: SYNC_DLQ_URL });
  });

  it("Retry reads the person from ResMan and queues it for the sync worker", async () => {
    const { property, resident } = await standInFailedLink(stores, stub);
    const link = (await stores.console.failedLinks(property.id, 10))[0];
    if (link === undefined) throw new Error("no failed link");
    const path = `/console/links/${link.id}/retry`;
    const body = `csrf=${csrfToken(SECRET, "operator-7")}`;

    // From another site (no matching Origin): refused, nothing sent.
    const foreign = await handler(
      event("POST", path, { claims: claims("*"), body, origin: "https://evil.example" }),
      lambdaContext,
    );
    expect(foreign.statusCode).toBe(403);
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);

    const answer = await handler(
      event("POST", path, { claims: claims("*"), body, origin: `https://${HOST}` }),
      lambdaContext,
    );
    expect(answer.statusCode).toBe(303);
    expect(answer.headers?.location).toBe(
      `/console/properties/${property.id}/health?done=retry_queued`,
    );
    const sent = sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((call) => call.args[0].input.Entries ?? []);
    expect(sent).toHaveLength(1);
    const message = syncMessageSchema.parse(JSON.parse(sent[0]?.MessageBody ?? "{}"));
    expect(message.kind === "resman" && message.envelope.person.person_id).toBe(resident.personId);
  });
});
