/**
 * The infrastructure itself, asserted: `npm run package` (osls + serverless-esbuild, offline)
 * once, then the CloudFormation template it wrote and the zips it built. osls is a
 * devDependency: when it is missing or fails, every test here fails (nothing is skipped).
 *
 * Bundle sizes are logged against the design §8 budget, not asserted (budgets are measured:
 * `npm run bench:bundles`); what a bundle must not carry is asserted (the phone metadata
 * anywhere but in the sync worker).
 * (Over 400 lines as one thing: every case reads the one packaged template and its zips.)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  METRIC,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  RECONCILE_RUN_METRICS,
  SYNC_OUTCOME_METRICS,
} from "../../lib/adapters/observability/metrics.js";
import {
  BUNDLE_BUDGET,
  DUMMY_FUNCTION_ENV,
  extractBundles,
  type PackagedFunction,
  packageService,
  probeImport,
  readPackagedFunctions,
  repoRoot,
} from "../support/bundles.js";

// --- the template, loosely typed -----------------------------------------------------------

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}
interface Template {
  Resources: Record<string, Resource>;
}
interface Statement {
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface PolicyDocument {
  Statement: Statement[];
}

let template: Template;
let templateText: string;
let packaged: PackagedFunction[];
/** The temporary directory packaging was given (serverless-esbuild stages its zips there). */
let packagingTemp: string;

beforeAll(() => {
  packagingTemp = mkdtempSync(join(tmpdir(), "contact-sync-template-"));
  packageService(repoRoot, packagingTemp);
  templateText = readFileSync(
    join(repoRoot, ".serverless", "cloudformation-template-update-stack.json"),
    "utf8",
  );
  template = JSON.parse(templateText) as Template;
  packaged = readPackagedFunctions();
}, 300_000);

// At the top level, not in the packaging block: a run filtered to other tests (`-t`) skips a
// block's hooks along with its tests, and left the folder behind.
afterAll(() => {
  if (packagingTemp !== undefined) rmSync(packagingTemp, { recursive: true, force: true });
});

/** The resource with this logical id (fails the test if there is none). */
function resource(logicalId: string): Resource {
  const found = template.Resources[logicalId];
  if (found === undefined) throw new Error(`no resource ${logicalId} in the template`);
  return found;
}

function props<T = Record<string, unknown>>(logicalId: string): T {
  return (resource(logicalId).Properties ?? {}) as T;
}

function logicalIdsOfType(type: string): string[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id]) => id);
}

/** The logical id a `Ref` or `Fn::GetAtt` points at, or undefined for anything else. */
function target(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const ref = (value as { Ref?: unknown }).Ref;
  if (typeof ref === "string") return ref;
  const getAtt = (value as { "Fn::GetAtt"?: unknown })["Fn::GetAtt"];
  if (Array.isArray(getAtt) && typeof getAtt[0] === "string") return getAtt[0];
  return undefined;
}

function getAtt(value: unknown): [string, string] | undefined {
  const attr = (value as { "Fn::GetAtt"?: unknown } | null)?.["Fn::GetAtt"];
  return Array.isArray(attr) ? (attr as [string, string]) : undefined;
}

const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

// --- the six functions ---------------------------------------------------------------------

const HANDLERS = {
  webhook: "functions/resman-webhook.handler",
  worker: "functions/sync-worker.handler",
  chatbot: "functions/chatbot-events.handler",
  reconcile: "functions/reconcile.handler",
  reconcileWorker: "functions/reconcile-worker.handler",
  console: "functions/console.handler",
} as const;
type FunctionKey = keyof typeof HANDLERS;

interface FunctionProps {
  Handler: string;
  Runtime: string;
  Architectures: string[];
  Timeout: number;
  Role: unknown;
  Environment?: { Variables: Record<string, unknown> };
}

/** The logical id of the Lambda function whose handler is `HANDLERS[key]`. */
function functionId(key: FunctionKey): string {
  const ids = logicalIdsOfType("AWS::Lambda::Function").filter(
    (id) => props<FunctionProps>(id).Handler === HANDLERS[key],
  );
  expect(ids, `one function with handler ${HANDLERS[key]}`).toHaveLength(1);
  return ids[0] as string;
}

function fn(key: FunctionKey): FunctionProps {
  return props<FunctionProps>(functionId(key));
}

function envOf(key: FunctionKey): Record<string, unknown> {
  return fn(key).Environment?.Variables ?? {};
}

/** The logical id of a function's execution role (a role defined in this template). */
function roleOf(key: FunctionKey): string {
  const role = getAtt(fn(key).Role);
  if (role === undefined || role[1] !== "Arn") {
    throw new Error(`${key}'s Role is not a Fn::GetAtt of a role in this template`);
  }
  expect(resource(role[0]).Type).toBe("AWS::IAM::Role");
  return role[0];
}

/**
 * What a role allows, as `action → [resource as a logical id or literal]`. Log-group grants
 * are reported as `log-group:<logical id>`.
 */
function grantsOf(roleId: string): Record<string, string[]> {
  const role = props<{ Policies?: { PolicyDocument: PolicyDocument }[] }>(roleId);
  const grants: Record<string, string[]> = {};
  for (const policy of role.Policies ?? []) {
    for (const statement of policy.PolicyDocument.Statement) {
      expect(statement.Effect).toBe("Allow");
      for (const action of asList(statement.Action)) {
        for (const res of asList(statement.Resource)) {
          const id = target(res);
          const name =
            id === undefined
              ? JSON.stringify(res)
              : resource(id).Type === "AWS::Logs::LogGroup"
                ? `log-group:${id}`
                : id;
          grants[action] = [...(grants[action] ?? []), name].sort();
        }
      }
    }
  }
  return grants;
}

/** The one logical id of a type, e.g. the event bus. */
function only(type: string): string {
  const ids = logicalIdsOfType(type);
  expect(ids, `exactly one ${type}`).toHaveLength(1);
  return ids[0] as string;
}

describe("Lambda functions", () => {
  it.each(Object.keys(HANDLERS) as FunctionKey[])("%s runs on nodejs24.x on arm64", (key) => {
    expect(fn(key).Runtime).toBe("nodejs24.x");
    expect(fn(key).Architectures).toEqual(["arm64"]);
  });

  it("packages exactly the six functions, each zip holding only its ESM bundle", () => {
    expect(logicalIdsOfType("AWS::Lambda::Function")).toHaveLength(6);
    const byHandler = new Map(packaged.map((p) => [p.handler, p]));
    for (const handler of Object.values(HANDLERS)) {
      const fnPackage = byHandler.get(handler);
      expect(fnPackage, `a zip for ${handler}`).toBeDefined();
      const bundlePath = `${handler.replace(/\.handler$/, "")}.mjs`;
      // No node_modules (PGlite, drizzle-kit, the SDK), no source maps, no tests.
      expect(fnPackage?.entries).toEqual([bundlePath]);
    }
  });
});

describe("packaging", () => {
  it("leaves no function's staged zip folder in the temporary directory", () => {
    // serverless-esbuild stages each zip in `<function>-<pid>-<ms>-<hex>`; tsx's and Node's
    // compile caches may stay (they are reused, not leaked).
    const staged = readdirSync(packagingTemp).filter((entry) =>
      packaged.some((fn) => entry.startsWith(`${fn.name}-`)),
    );
    expect(packaged.length).toBeGreaterThan(0);
    expect(staged).toEqual([]);
  });
});

describe("bundles", () => {
  /** A folder laid out like /var/task, with the runtime's SDK and nothing else installed. */
  let task: string | undefined;
  beforeAll(async () => {
    task = await extractBundles(packaged);
  });
  afterAll(() => {
    if (task !== undefined) rmSync(task, { recursive: true, force: true });
  });

  /** The function's template environment; secrets and CloudFormation refs as placeholders. */
  function lambdaEnv(key: FunctionKey, name: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      AWS_REGION: "us-east-1",
      AWS_LAMBDA_FUNCTION_NAME: `contact-sync-test-${name}`,
    };
    for (const [variable, value] of Object.entries(envOf(key))) {
      const literal = typeof value === "string" && !value.startsWith("{{resolve:");
      env[variable] = literal ? value : DUMMY_FUNCTION_ENV[variable];
      expect(env[variable], `a placeholder for ${variable}`).toBeDefined();
    }
    return env;
  }

  it.each(Object.keys(HANDLERS) as FunctionKey[])(
    "%s cold-starts on Lambda with its template environment and only the runtime's SDK",
    (key) => {
      const fnPackage = packaged.find((p) => p.handler === HANDLERS[key]);
      if (fnPackage === undefined || task === undefined) throw new Error(`no zip for ${key}`);
      const probe = probeImport(join(task, fnPackage.bundlePath), lambdaEnv(key, fnPackage.name));
      const kb = fnPackage.bundle.length / 1024;
      // A figure, not an assertion (design §8: budgets are measured by npm run bench:bundles).
      console.log(
        `${fnPackage.bundlePath}: ${kb.toFixed(1)} KB minified (budget ${BUNDLE_BUDGET.kilobytes} KB` +
          `${kb > BUNDLE_BUDGET.kilobytes ? ", OVER" : ""}), zip ${(fnPackage.zipBytes / 1024).toFixed(1)} KB, ` +
          `one cold import ${probe.wallMs.toFixed(0)} ms`,
      );
    },
  );

  // The phone metadata (~103 KB) belongs where phones are parsed: the sync worker. The reconcile
  // worker and the console import the domain's name matching, whose module also holds the phone
  // rules; a call at that module's top level (a memoized phone parse) once kept the metadata in
  // both (+144 KB each) without a test noticing.
  it.each(Object.keys(HANDLERS) as FunctionKey[])(
    "%s carries the phone metadata only if it is the sync worker",
    (key) => {
      const fnPackage = packaged.find((p) => p.handler === HANDLERS[key]);
      if (fnPackage === undefined) throw new Error(`no zip for ${key}`);
      const hasPhoneMetadata = fnPackage.bundle.includes('"country_calling_codes"');
      expect(hasPhoneMetadata).toBe(key === "worker");
    },
  );
});

describe("operator console", () => {
  const routeOf = (key: string) => {
    const route = logicalIdsOfType("AWS::ApiGatewayV2::Route")
      .map((id) =>
        props<{ RouteKey: string; AuthorizationType?: string; AuthorizerId?: unknown }>(id),
      )
      .find((r) => r.RouteKey === key);
    if (route === undefined) throw new Error(`no route ${key}`);
    return route;
  };

  it("is routed under /console behind the JWT authorizer; the webhook has none", () => {
    const authorizer = only("AWS::ApiGatewayV2::Authorizer");
    expect(props(authorizer)).toMatchObject({
      AuthorizerType: "JWT",
      IdentitySource: ["$request.header.Authorization"],
      JwtConfiguration: {
        Issuer: expect.stringMatching(/^https:\/\//),
        Audience: [expect.any(String)],
      },
    });
    for (const key of ["GET /console", "ANY /console/{proxy+}"]) {
      expect(routeOf(key)).toMatchObject({ AuthorizationType: "JWT" });
      expect(target(routeOf(key).AuthorizerId)).toBe(authorizer);
    }
    expect(routeOf("POST /webhooks/resman").AuthorizationType).toBeUndefined();
  });

  it("gets the database, its form secret and the queues it needs, never the webhook secrets", () => {
    const env = envOf("console");
    expect(env.DATABASE_URL).toMatch(/^\{\{resolve:ssm:/);
    expect(env.CONSOLE_CSRF_SECRET).toMatch(/^\{\{resolve:ssm:.*console-csrf-secret\}\}$/);
    expect(env.DB_DRIVER).toBe("neon");
    expect(target(env.SYNC_QUEUE_URL)).toBe("SyncQueue");
    expect(target(env.SYNC_DLQ_URL)).toBe("SyncDLQ");
    expect(env.WEBHOOK_SECRETS).toBeUndefined();
    expect(fn("console").Timeout).toBeLessThan(30);
  });

  it("may send to the sync queue and count the DLQ, and read nothing else of SQS", () => {
    const grants = grantsOf(roleOf("console"));
    expect(grants["sqs:SendMessage"]).toEqual(["SyncQueue"]);
    expect(grants["sqs:GetQueueAttributes"]).toEqual(["SyncDLQ"]);
    expect(grants["sqs:ReceiveMessage"]).toBeUndefined();
    expect(grants["events:PutEvents"]).toBeUndefined();
    expect(Object.keys(grants).sort()).toEqual([
      "kms:Decrypt",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "sqs:GetQueueAttributes",
      "sqs:SendMessage",
      "ssm:GetParameter",
    ]);
  });

  it("serves uPlot from its own bundle (the zip has no node_modules)", async () => {
    const fnPackage = packaged.find((p) => p.handler === HANDLERS.console);
    if (fnPackage === undefined) throw new Error("no console zip");
    const task = await extractBundles([fnPackage]);
    try {
      const bundle = pathToFileURL(join(task, fnPackage.bundlePath)).href;
      const script = `
        const { handler } = await import(${JSON.stringify(bundle)});
        const path = "/console/assets/uPlot.min.js";
        const result = await handler({ version: "2.0", routeKey: "ANY /console/{proxy+}", rawPath: path,
          rawQueryString: "", headers: { host: "console.test" }, isBase64Encoded: false,
          requestContext: { http: { method: "GET", path, protocol: "HTTP/1.1", sourceIp: "10.0.0.1",
            userAgent: "test" }, domainName: "console.test", requestId: "r", routeKey: "x",
            stage: "$default", time: "", timeEpoch: 0,
            authorizer: { jwt: { claims: { sub: "ops" }, scopes: [] } } } },
          { awsRequestId: "r", functionName: "console", getRemainingTimeInMillis: () => 1000 });
        const body = result.isBase64Encoded ? Buffer.from(result.body, "base64").toString() : result.body;
        console.log(JSON.stringify({ status: result.statusCode, type: result.headers["content-type"], body }));
        process.exit(0);`;
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        AWS_REGION: "us-east-1",
        AWS_LAMBDA_FUNCTION_NAME: "contact-sync-test-console",
        ...DUMMY_FUNCTION_ENV,
      };
      const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
        cwd: task,
        env,
        encoding: "utf8",
      });
      expect(run.status, run.stderr).toBe(0);
      const answer = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}");
      expect(answer.status).toBe(200);
      expect(answer.type).toContain("javascript");
      expect(answer.body).toBe(
        readFileSync(join(repoRoot, "node_modules/uplot/dist/uPlot.iife.min.js"), "utf8"),
      );
    } finally {
      rmSync(task, { recursive: true, force: true });
    }
  });
});

describe("ResMan webhook", () => {
  it("is routed from POST /webhooks/resman on the HTTP API", () => {
    const routes = logicalIdsOfType("AWS::ApiGatewayV2::Route").map((id) =>
      props<{ RouteKey: string; Target: unknown }>(id),
    );
    const route = routes.find((r) => r.RouteKey === "POST /webhooks/resman");
    if (route === undefined) throw new Error("no route POST /webhooks/resman");
    const [, parts] = (route.Target as { "Fn::Join": [string, unknown[]] })["Fn::Join"];
    const integrationId = target(parts[1]);
    expect(integrationId).toBeDefined();
    const integration = props<{ IntegrationType: string; IntegrationUri: unknown }>(
      integrationId as string,
    );
    expect(integration.IntegrationType).toBe("AWS_PROXY");
    expect(target(integration.IntegrationUri)).toBe(functionId("webhook"));
  });

  it("gets its secrets and the queue, never the database", () => {
    const env = envOf("webhook");
    expect(Object.keys(env).sort()).toEqual([
      "POWERTOOLS_METRICS_NAMESPACE",
      "SYNC_QUEUE_URL",
      "WEBHOOK_SECRETS",
    ]);
    expect(target(env.SYNC_QUEUE_URL)).toBe("SyncQueue");
  });
});

interface QueueProps {
  VisibilityTimeout?: number;
  MessageRetentionPeriod?: number;
  RedrivePolicy?: { deadLetterTargetArn: unknown; maxReceiveCount: number };
}
const SQS_DEFAULT_RETENTION = 345_600;

interface MappingProps {
  EventSourceArn: unknown;
  FunctionName: unknown;
  BatchSize: number;
  FunctionResponseTypes?: string[];
  ScalingConfig?: { MaximumConcurrency: number };
}

/** The Lambda event source mappings reading the queue `queueId`. */
function mappingsOf(queueId: string): MappingProps[] {
  return logicalIdsOfType("AWS::Lambda::EventSourceMapping")
    .map((id) => props<MappingProps>(id))
    .filter((mapping) => target(mapping.EventSourceArn) === queueId);
}

describe("sync queue and worker", () => {
  it("feeds the worker in batches of 10 with partial batch responses, at bounded concurrency", () => {
    const mappings = mappingsOf("SyncQueue");
    expect(mappings).toHaveLength(1);
    const mapping = mappings[0];
    expect(target(mapping?.EventSourceArn)).toBe("SyncQueue");
    expect(target(mapping?.FunctionName)).toBe(functionId("worker"));
    expect(mapping?.BatchSize).toBe(10);
    expect(mapping?.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    // Protects Neon's connection limit.
    expect(mapping?.ScalingConfig?.MaximumConcurrency).toBeGreaterThanOrEqual(2);
  });

  it("dead-letters a message after maxReceiveCount ≥ 5, the worker's MAX_RECEIVE_COUNT", () => {
    const redrive = props<QueueProps>("SyncQueue").RedrivePolicy;
    expect(target(redrive?.deadLetterTargetArn)).toBe("SyncDLQ");
    expect(resource("SyncDLQ").Type).toBe("AWS::SQS::Queue");
    expect(redrive?.maxReceiveCount).toBeGreaterThanOrEqual(5);
    expect(Number(envOf("worker").MAX_RECEIVE_COUNT)).toBe(redrive?.maxReceiveCount);
  });

  it("keeps dead letters longer than the queue keeps messages", () => {
    const queue = props<QueueProps>("SyncQueue").MessageRetentionPeriod ?? SQS_DEFAULT_RETENTION;
    const dlq = props<QueueProps>("SyncDLQ").MessageRetentionPeriod ?? SQS_DEFAULT_RETENTION;
    expect(dlq).toBeGreaterThan(queue);
  });

  it("hides a received batch for at least 6× the worker's timeout (AWS's rule for SQS triggers)", () => {
    const visibility = props<QueueProps>("SyncQueue").VisibilityTimeout ?? 30;
    expect(visibility).toBeGreaterThanOrEqual(6 * fn("worker").Timeout);
  });

  it("gives the worker the database on Neon, the bus and the redrive setting", () => {
    const env = envOf("worker");
    expect(Object.keys(env).sort()).toEqual([
      "DATABASE_URL",
      "DB_DRIVER",
      "EVENT_BUS_NAME",
      "MAX_RECEIVE_COUNT",
      "POWERTOOLS_METRICS_NAMESPACE",
    ]);
    expect(env.DB_DRIVER).toBe("neon");
    expect(target(env.EVENT_BUS_NAME)).toBe(only("AWS::Events::EventBus"));
  });
});

/** serverless.yml as osls resolves it with the given `--param`s (`osls print`, offline). */
function printService(params: readonly string[]): {
  functions: Record<string, { events?: Record<string, unknown>[] }>;
} {
  const run = spawnSync(
    join(repoRoot, "node_modules", ".bin", "osls"),
    ["print", "--format", "json", ...params.flatMap((param) => ["--param", param])],
    { cwd: repoRoot, encoding: "utf8", timeout: 120_000 },
  );
  if (run.status !== 0) throw new Error(`osls print failed:\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(run.stdout);
}

describe("scheduled reconciliation", () => {
  interface ScheduleRuleProps {
    ScheduleExpression?: string;
    EventBusName?: unknown;
    State: string;
    Targets: { Arn: unknown }[];
  }
  /** SQS's longest visibility timeout. */
  const SQS_MAX_VISIBILITY = 43_200;

  function scheduleRules(): [string, ScheduleRuleProps][] {
    return logicalIdsOfType("AWS::Events::Rule")
      .map((id): [string, ScheduleRuleProps] => [id, props<ScheduleRuleProps>(id)])
      .filter(([, rule]) => rule.ScheduleExpression !== undefined);
  }

  it("an enabled rule on the default bus invokes the fan-out every 15 minutes", () => {
    const rules = scheduleRules();
    expect(rules).toHaveLength(1);
    const [ruleId, rule] = rules[0] as [string, ScheduleRuleProps];
    expect(rule.ScheduleExpression).toBe("rate(15 minutes)");
    expect(rule.State).toBe("ENABLED");
    expect(rule.EventBusName).toBeUndefined();
    expect(rule.Targets.map((t) => target(t.Arn))).toEqual([functionId("reconcile")]);
    const permissions = logicalIdsOfType("AWS::Lambda::Permission")
      .map((id) => props<{ FunctionName: unknown; Principal: string; SourceArn: unknown }>(id))
      .filter((p) => target(p.SourceArn) === ruleId);
    expect(permissions).toHaveLength(1);
    expect(permissions[0]?.Principal).toBe("events.amazonaws.com");
    expect(target(permissions[0]?.FunctionName)).toBe(functionId("reconcile"));
  });

  it("is paused, or its period changed, by a stage parameter", () => {
    const scheduleOf = (params: string[]) =>
      printService(params).functions.reconcile?.events?.[0]?.schedule as {
        rate: string[];
        enabled: boolean;
      };
    expect(
      scheduleOf(["reconcileScheduleEnabled=false", "reconcilePeriodMinutes=30"]),
    ).toMatchObject({ rate: ["rate(30 minutes)"], enabled: false });
  }, 120_000);

  it("is not retried by Lambda (the next period is the retry), and a failure fires an alarm", () => {
    const configs = logicalIdsOfType("AWS::Lambda::EventInvokeConfig")
      .map((id) => props<{ FunctionName: unknown; MaximumRetryAttempts?: number }>(id))
      .filter((c) => target(c.FunctionName) === functionId("reconcile"));
    expect(configs.map((c) => c.MaximumRetryAttempts)).toEqual([0]);
    const alarms = logicalIdsOfType("AWS::CloudWatch::Alarm")
      .map((id) =>
        props<{
          Namespace: string;
          MetricName: string;
          Dimensions?: { Name: string; Value: unknown }[];
          Threshold: number;
          AlarmActions?: unknown[];
        }>(id),
      )
      .filter((a) =>
        (a.Dimensions ?? []).some(
          (d) => d.Name === "FunctionName" && target(d.Value) === functionId("reconcile"),
        ),
      );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({
      Namespace: "AWS/Lambda",
      MetricName: "Errors",
      Threshold: 0,
    });
    expect(alarms[0]?.AlarmActions?.length).toBeGreaterThan(0);
  });

  it("feeds the reconcile worker one property per invocation, partial batch responses, bounded concurrency", () => {
    const mappings = mappingsOf("ReconcileQueue");
    expect(mappings).toHaveLength(1);
    expect(target(mappings[0]?.FunctionName)).toBe(functionId("reconcileWorker"));
    expect(mappings[0]?.BatchSize).toBe(1);
    expect(mappings[0]?.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(mappings[0]?.ScalingConfig?.MaximumConcurrency).toBeGreaterThanOrEqual(2);
  });

  it("dead-letters a reconcile message after the sync queue's maxReceiveCount, to its own DLQ", () => {
    const queue = props<QueueProps>("ReconcileQueue");
    const dlq = props<QueueProps>("ReconcileDLQ");
    expect(target(queue.RedrivePolicy?.deadLetterTargetArn)).toBe("ReconcileDLQ");
    expect(resource("ReconcileDLQ").Type).toBe("AWS::SQS::Queue");
    expect(queue.RedrivePolicy?.maxReceiveCount).toBe(
      props<QueueProps>("SyncQueue").RedrivePolicy?.maxReceiveCount,
    );
    const retention = queue.MessageRetentionPeriod ?? SQS_DEFAULT_RETENTION;
    expect(dlq.MessageRetentionPeriod ?? SQS_DEFAULT_RETENTION).toBeGreaterThan(retention);
    // A message failing every receive lives long enough to reach the DLQ.
    expect(retention).toBeGreaterThan(
      (queue.RedrivePolicy?.maxReceiveCount ?? 0) * (queue.VisibilityTimeout ?? 30),
    );
  });

  it("hides a received message for at least 6× the reconcile worker's timeout, within SQS's maximum", () => {
    const visibility = props<QueueProps>("ReconcileQueue").VisibilityTimeout ?? 30;
    expect(visibility).toBeGreaterThanOrEqual(6 * fn("reconcileWorker").Timeout);
    expect(visibility).toBeLessThanOrEqual(SQS_MAX_VISIBILITY);
    expect(fn("reconcileWorker").Timeout).toBeLessThanOrEqual(900);
  });

  it("gives the fan-out the database, the reconcile queue and the bus its outbox sweep publishes to", () => {
    const env = envOf("reconcile");
    expect(Object.keys(env).sort()).toEqual([
      "DATABASE_URL",
      "DB_DRIVER",
      "EVENT_BUS_NAME",
      "POWERTOOLS_METRICS_NAMESPACE",
      "RECONCILE_QUEUE_URL",
    ]);
    expect(env.DB_DRIVER).toBe("neon");
    expect(target(env.RECONCILE_QUEUE_URL)).toBe("ReconcileQueue");
    expect(target(env.EVENT_BUS_NAME)).toBe(only("AWS::Events::EventBus"));
  });

  it("gives the worker the database, the sync queue, ResMan's endpoints, the credentials' names and its settings", () => {
    const env = envOf("reconcileWorker");
    expect(Object.keys(env).sort()).toEqual([
      "DATABASE_URL",
      "DB_DRIVER",
      "POWERTOOLS_METRICS_NAMESPACE",
      "RECONCILE_BACKFILL_SINCE",
      "RECONCILE_ROSTER_HOURS",
      "RESMAN_API_KEY_PARAMETER",
      "RESMAN_PARTNER_ID_PARAMETER",
      "RESMAN_V1_URL",
      "RESMAN_V2_URL",
      "SYNC_QUEUE_URL",
    ]);
    expect(env.DB_DRIVER).toBe("neon");
    expect(target(env.SYNC_QUEUE_URL)).toBe("SyncQueue");
    expect(env.RESMAN_V2_URL).toMatch(/^https:\/\//);
    expect(env.RESMAN_V1_URL).toMatch(/^https:\/\//);
  });
});

describe("chatbot events", () => {
  interface Target {
    Arn: unknown;
    RetryPolicy?: { MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number };
    DeadLetterConfig?: { Arn: unknown };
  }
  interface RuleProps {
    EventBusName?: unknown;
    EventPattern: { source: string[]; "detail-type": string[] };
    Targets: Target[];
  }

  function chatbotRule(): RuleProps {
    const rules = logicalIdsOfType("AWS::Events::Rule")
      .map((id) => props<RuleProps>(id))
      .filter((rule) => rule.EventPattern !== undefined);
    expect(rules).toHaveLength(1);
    return rules[0] as RuleProps;
  }

  it("are routed from the bus by source domiq.chatbot and the four detail-types", () => {
    const rule = chatbotRule();
    expect(target(rule.EventBusName)).toBe(only("AWS::Events::EventBus"));
    expect(rule.EventPattern.source).toEqual(["domiq.chatbot"]);
    expect([...rule.EventPattern["detail-type"]].sort()).toEqual([
      "Contact Captured",
      "Conversation Completed",
      "Interaction Logged",
      "Preferences Updated",
    ]);
    expect(rule.Targets).toHaveLength(1);
    expect(target(rule.Targets[0]?.Arn)).toBe(functionId("chatbot"));
  });

  it("are retried, then dead-lettered to a queue EventBridge may write to", () => {
    const ruleTarget = chatbotRule().Targets[0];
    expect(ruleTarget?.RetryPolicy?.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(ruleTarget?.RetryPolicy?.MaximumEventAgeInSeconds).toBeGreaterThanOrEqual(60);
    const dlq = target(ruleTarget?.DeadLetterConfig?.Arn);
    expect(dlq).toBeDefined();
    expect(resource(dlq as string).Type).toBe("AWS::SQS::Queue");

    const policies = logicalIdsOfType("AWS::SQS::QueuePolicy")
      .map((id) => props<{ Queues: unknown[]; PolicyDocument: PolicyDocument }>(id))
      .filter((p) => p.Queues.some((q) => target(q) === dlq));
    expect(policies).toHaveLength(1);
    const statements = policies[0]?.PolicyDocument.Statement ?? [];
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sqs:SendMessage",
    });
    expect(target(statements[0]?.Resource)).toBe(dlq);
    // Only this rule may dead-letter here.
    expect(statements[0]?.Condition?.ArnEquals?.["aws:SourceArn"]).toBeDefined();
  });

  it("dead-letter handler failures too (Lambda's async on-failure destination)", () => {
    const dlq = target(chatbotRule().Targets[0]?.DeadLetterConfig?.Arn);
    const configs = logicalIdsOfType("AWS::Lambda::EventInvokeConfig")
      .map((id) =>
        props<{
          FunctionName: unknown;
          DestinationConfig?: { OnFailure?: { Destination: unknown } };
        }>(id),
      )
      .filter((c) => target(c.FunctionName) === functionId("chatbot"));
    expect(configs).toHaveLength(1);
    expect(target(configs[0]?.DestinationConfig?.OnFailure?.Destination)).toBe(dlq);
  });

  it("the function gets only the queue", () => {
    const env = envOf("chatbot");
    expect(Object.keys(env).sort()).toEqual(["POWERTOOLS_METRICS_NAMESPACE", "SYNC_QUEUE_URL"]);
    expect(target(env.SYNC_QUEUE_URL)).toBe("SyncQueue");
  });
});

describe("alarms", () => {
  interface AlarmProps {
    Namespace: string;
    MetricName: string;
    Dimensions?: { Name: string; Value: unknown }[];
    Threshold: number;
    ComparisonOperator: string;
    AlarmActions?: unknown[];
  }

  function dlqAlarms(queueId: string): AlarmProps[] {
    return logicalIdsOfType("AWS::CloudWatch::Alarm")
      .map((id) => props<AlarmProps>(id))
      .filter((a) =>
        (a.Dimensions ?? []).some((d) => d.Name === "QueueName" && target(d.Value) === queueId),
      );
  }

  it.each([
    ["the sync DLQ", "SyncDLQ"],
    ["the chatbot events DLQ", "ChatbotEventsDLQ"],
    ["the reconcile DLQ", "ReconcileDLQ"],
  ])("fire as soon as %s holds a message", (_, queueId) => {
    const alarms = dlqAlarms(queueId);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
    });
    expect(getAtt(alarms[0]?.Dimensions?.[0]?.Value)?.[1]).toBe("QueueName");
    expect(alarms[0]?.AlarmActions?.length).toBeGreaterThan(0);
  });
});

describe("metrics: alarms and the dashboard", () => {
  interface MetricStat {
    Metric: {
      Namespace: string;
      MetricName: string;
      Dimensions: { Name: string; Value: unknown }[];
    };
    Period: number;
    Stat: string;
  }
  interface MetricQuery {
    Id: string;
    MetricStat?: MetricStat;
    Expression?: string;
    ReturnData?: boolean;
  }
  interface AlarmProps {
    Namespace?: string;
    MetricName?: string;
    Dimensions?: { Name: string; Value: unknown }[];
    Statistic?: string;
    Period?: number;
    Metrics?: MetricQuery[];
    EvaluationPeriods: number;
    Threshold: number;
    ComparisonOperator: string;
    TreatMissingData?: string;
    AlarmActions?: unknown[];
    OKActions?: unknown[];
  }

  const alarms = () =>
    logicalIdsOfType("AWS::CloudWatch::Alarm").map((id): [string, AlarmProps] => [
      id,
      props<AlarmProps>(id),
    ]);

  /** The one alarm reading the metric `name` (alone or in its metric math). */
  function alarmOn(name: string): AlarmProps {
    const found = alarms().filter(
      ([, a]) =>
        a.MetricName === name ||
        (a.Metrics ?? []).some((m) => m.MetricStat?.Metric.MetricName === name),
    );
    expect(
      found.map(([id]) => id),
      `one alarm on ${name}`,
    ).toHaveLength(1);
    return found[0]?.[1] as AlarmProps;
  }

  /** The metric math's query of `name`: our namespace, the service dimension only. */
  function queryOf(alarm: AlarmProps, name: string): MetricQuery {
    const query = (alarm.Metrics ?? []).find((m) => m.MetricStat?.Metric.MetricName === name);
    expect(query?.MetricStat?.Metric.Namespace).toBe(METRICS_NAMESPACE);
    expect(query?.MetricStat?.Metric.Dimensions).toEqual([
      { Name: "service", Value: METRICS_SERVICE },
    ]);
    expect(query?.ReturnData).toBe(false);
    return query as MetricQuery;
  }

  /** The one expression an alarm's state follows. */
  const returned = (alarm: AlarmProps) =>
    (alarm.Metrics ?? []).filter((m) => m.ReturnData !== false);

  it("every function writes its metrics to the namespace the alarms read (POWERTOOLS_METRICS_NAMESPACE)", () => {
    for (const key of Object.keys(HANDLERS) as FunctionKey[]) {
      expect(envOf(key).POWERTOOLS_METRICS_NAMESPACE, key).toBe(METRICS_NAMESPACE);
    }
  });

  it("the sync failure rate: failed and retried records over all records, per 5 minutes", () => {
    const alarm = alarmOn(METRIC.syncMessages);
    const failed = queryOf(alarm, SYNC_OUTCOME_METRICS.failed);
    const retried = queryOf(alarm, SYNC_OUTCOME_METRICS.retried);
    const all = queryOf(alarm, METRIC.syncMessages);
    for (const query of [failed, retried, all]) {
      expect(query.MetricStat).toMatchObject({ Period: 300, Stat: "Sum" });
    }
    const [rate] = returned(alarm);
    expect(returned(alarm)).toHaveLength(1);
    expect(rate?.Expression?.replaceAll(" ", "")).toBe(
      `100*(${failed.Id}+${retried.Id})/${all.Id}`,
    );
    expect(alarm.Threshold).toBeGreaterThan(0);
    expect(alarm.Threshold).toBeLessThan(100);
    expect(alarm.ComparisonOperator).toBe("GreaterThanThreshold");
    // An idle worker writes nothing.
    expect(alarm.TreatMissingData).toBe("notBreaching");
  });

  it("a stale reconciliation: the oldest last good run more than two schedule periods old", () => {
    const alarm = alarmOn(METRIC.reconcileAgeMinutes);
    const age = queryOf(alarm, METRIC.reconcileAgeMinutes);
    expect(age.MetricStat?.Stat).toBe("Maximum");
    const rule = logicalIdsOfType("AWS::Events::Rule")
      .map((id) => props<{ ScheduleExpression?: string }>(id).ScheduleExpression)
      .find((expression) => expression !== undefined);
    const period = Number(/^rate\((\d+) minutes\)$/.exec(rule ?? "")?.[1]);
    expect(period).toBeGreaterThan(0);
    const [periods] = returned(alarm);
    expect(periods?.Expression?.replaceAll(" ", "")).toBe(`${age.Id}/${period}`);
    expect(alarm).toMatchObject({ Threshold: 2, ComparisonOperator: "GreaterThanThreshold" });
    // The age is written once per period: a period without a datapoint keeps the state.
    expect(alarm.TreatMissingData).toBe("ignore");
  });

  it("the review backlog: open review items, as the fan-out counts them every period", () => {
    const alarm = alarmOn(METRIC.reviewBacklog);
    expect(alarm).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [{ Name: "service", Value: METRICS_SERVICE }],
      Statistic: "Maximum",
      ComparisonOperator: "GreaterThanThreshold",
    });
    expect(alarm.Threshold).toBeGreaterThan(0);
  });

  it("every alarm notifies the one alarm topic, going off and back to OK", () => {
    const topic = only("AWS::SNS::Topic");
    for (const [id, alarm] of alarms()) {
      expect(asList(alarm.AlarmActions).map(target), id).toEqual([topic]);
      expect(asList(alarm.OKActions).map(target), id).toEqual([topic]);
    }
    expect(alarms().length).toBeGreaterThanOrEqual(7);
  });

  describe("the dashboard", () => {
    interface Widget {
      type: string;
      properties: { alarms?: string[]; metrics?: unknown[][]; region?: string };
    }
    let widgets: Widget[];
    beforeAll(() => {
      const id = only("AWS::CloudWatch::Dashboard");
      const body = props<{ DashboardBody: { "Fn::Sub": string } }>(id).DashboardBody["Fn::Sub"];
      // What CloudFormation substitutes: the region, and attributes of this stack's resources.
      const resolved = body.replace(/\$\{([A-Za-z0-9:]+)(?:\.(\w+))?\}/g, (_, name, attribute) => {
        if (name === "AWS::Region") return "us-east-1";
        expect(resource(name).Type).toMatch(/^AWS::/);
        return `${attribute}:${name}`;
      });
      widgets = (JSON.parse(resolved) as { widgets: Widget[] }).widgets;
    });

    const metricRows = (namespace: string) =>
      widgets.flatMap((w) => w.properties.metrics ?? []).filter((row) => row[0] === namespace);

    it("shows the state of every alarm of the stack", () => {
      const shown = widgets.flatMap((w) => (w.type === "alarm" ? (w.properties.alarms ?? []) : []));
      expect(shown.sort()).toEqual(
        alarms()
          .map(([id]) => `Arn:${id}`)
          .sort(),
      );
    });

    it("graphs every metric the functions write, by its name, with the service dimension", () => {
      const written = [
        ...Object.values(METRIC),
        ...Object.values(SYNC_OUTCOME_METRICS),
        ...Object.values(RECONCILE_RUN_METRICS),
      ];
      const rows = metricRows(METRICS_NAMESPACE);
      expect([...new Set(rows.map((row) => row[1]))].sort()).toEqual([...new Set(written)].sort());
      for (const row of rows) expect(row.slice(2, 4)).toEqual(["service", METRICS_SERVICE]);
    });

    it("graphs the depth of the three dead-letter queues", () => {
      const queues = metricRows("AWS/SQS").map((row) => [row[1], row[2], row[3]]);
      expect(queues).toEqual(
        ["SyncDLQ", "ReconcileDLQ", "ChatbotEventsDLQ"].map((queue) => [
          "ApproximateNumberOfMessagesVisible",
          "QueueName",
          `QueueName:${queue}`,
        ]),
      );
    });
  });
});

describe("IAM", () => {
  /** Every policy document in the template, with where it is. */
  function policyDocuments(): { where: string; document: PolicyDocument }[] {
    const found: { where: string; document: PolicyDocument }[] = [];
    const visit = (value: unknown, where: string) => {
      if (typeof value !== "object" || value === null) return;
      for (const [key, child] of Object.entries(value)) {
        if (key === "PolicyDocument" || key === "AssumeRolePolicyDocument") {
          found.push({ where: `${where}.${key}`, document: child as PolicyDocument });
        } else visit(child, `${where}.${key}`);
      }
    };
    for (const [id, r] of Object.entries(template.Resources)) visit(r, id);
    return found;
  }

  it("allows no wildcard action, resource or principal; the one Deny is osls's TLS-only bucket rule", () => {
    const wildcards: string[] = [];
    for (const { where, document } of policyDocuments()) {
      for (const statement of document.Statement) {
        const text = JSON.stringify([statement.Action, statement.Resource, statement.Principal]);
        if (!text.includes("*")) continue;
        // osls's deployment bucket policy: deny s3:* to anyone over plain HTTP. A wildcard
        // in a Deny only narrows access.
        const tlsOnly =
          where.startsWith("ServerlessDeploymentBucketPolicy.") &&
          statement.Effect === "Deny" &&
          statement.Action === "s3:*" &&
          statement.Principal === "*" &&
          statement.Condition?.Bool?.["aws:SecureTransport"] === false;
        if (!tlsOnly) wildcards.push(`${where}: ${JSON.stringify(statement)}`);
      }
    }
    expect(wildcards).toEqual([]);
    // AWS-managed policies (e.g. AWSLambdaBasicExecutionRole) grant on Resource "*".
    expect(templateText).not.toContain("ManagedPolicyArns");
  });

  it("gives each function its own role; osls's shared default role is not created", () => {
    const roles = (Object.keys(HANDLERS) as FunctionKey[]).map(roleOf);
    expect(new Set(roles).size).toBe(6);
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it("lets the webhook write its logs and send to the sync queue, nothing else", () => {
    expect(grantsOf(roleOf("webhook"))).toEqual({
      "logs:CreateLogStream": [
        `log-group:${functionId("webhook").replace(/LambdaFunction$/, "LogGroup")}`,
      ],
      "logs:PutLogEvents": [
        `log-group:${functionId("webhook").replace(/LambdaFunction$/, "LogGroup")}`,
      ],
      "sqs:SendMessage": ["SyncQueue"],
    });
  });

  it("lets the worker consume the sync queue and put events on the bus only, nothing else", () => {
    const logGroup = `log-group:${functionId("worker").replace(/LambdaFunction$/, "LogGroup")}`;
    expect(grantsOf(roleOf("worker"))).toEqual({
      "logs:CreateLogStream": [logGroup],
      "logs:PutLogEvents": [logGroup],
      "sqs:ReceiveMessage": ["SyncQueue"],
      "sqs:DeleteMessage": ["SyncQueue"],
      "sqs:GetQueueAttributes": ["SyncQueue"],
      "sqs:ChangeMessageVisibility": ["SyncQueue"],
      "events:PutEvents": [only("AWS::Events::EventBus")],
    });
  });

  it("lets the chatbot function send to the sync queue and its own DLQ (on-failure destination), nothing else", () => {
    const logGroup = `log-group:${functionId("chatbot").replace(/LambdaFunction$/, "LogGroup")}`;
    expect(grantsOf(roleOf("chatbot"))).toEqual({
      "logs:CreateLogStream": [logGroup],
      "logs:PutLogEvents": [logGroup],
      "sqs:SendMessage": ["ChatbotEventsDLQ", "SyncQueue"],
    });
  });
});

/** The ARN of an SSM parameter of this stack's stage, as the template writes it. */
const parameterArn = (name: string) =>
  JSON.stringify({
    "Fn::Sub": `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/contact-sync/dev/${name}`,
  });

describe("IAM of the reconciliation", () => {
  const logGroupOf = (key: FunctionKey) =>
    `log-group:${functionId(key).replace(/LambdaFunction$/, "LogGroup")}`;

  it("lets the fan-out send to the reconcile queue and publish its outbox sweep to the bus only", () => {
    expect(grantsOf(roleOf("reconcile"))).toEqual({
      "logs:CreateLogStream": [logGroupOf("reconcile")],
      "logs:PutLogEvents": [logGroupOf("reconcile")],
      "sqs:SendMessage": ["ReconcileQueue"],
      "events:PutEvents": [only("AWS::Events::EventBus")],
    });
  });

  it("lets the worker consume the reconcile queue, send to the sync queue and read the two credentials", () => {
    expect(grantsOf(roleOf("reconcileWorker"))).toEqual({
      "logs:CreateLogStream": [logGroupOf("reconcileWorker")],
      "logs:PutLogEvents": [logGroupOf("reconcileWorker")],
      "sqs:ReceiveMessage": ["ReconcileQueue"],
      "sqs:DeleteMessage": ["ReconcileQueue"],
      "sqs:GetQueueAttributes": ["ReconcileQueue"],
      "sqs:ChangeMessageVisibility": ["ReconcileQueue"],
      "sqs:SendMessage": ["SyncQueue"],
      "ssm:GetParameter": [parameterArn("resman-api-key"), parameterArn("resman-partner-id")],
      "kms:Decrypt": ["ResmanCredentialsKey"],
    });
  });

  it("lets the worker decrypt with the credentials' key only through SSM, for those two parameters", () => {
    const role = props<{ Policies: { PolicyDocument: PolicyDocument }[] }>(
      roleOf("reconcileWorker"),
    );
    const decrypt = role.Policies.flatMap((p) => p.PolicyDocument.Statement).filter((s) =>
      asList(s.Action).includes("kms:Decrypt"),
    );
    expect(decrypt).toHaveLength(1);
    const equals = decrypt[0]?.Condition?.StringEquals ?? {};
    expect(equals["kms:ViaService"]).toEqual({ "Fn::Sub": `ssm.\${AWS::Region}.amazonaws.com` });
    expect(
      asList(equals["kms:EncryptionContext:PARAMETER_ARN"] as unknown[])
        .map((arn) => JSON.stringify(arn))
        .sort(),
    ).toEqual([parameterArn("resman-api-key"), parameterArn("resman-partner-id")]);
  });

  it("lets no other function read SSM or use KMS", () => {
    for (const key of ["webhook", "worker", "chatbot", "reconcile"] as FunctionKey[]) {
      const actions = Object.keys(grantsOf(roleOf(key)));
      expect(
        actions.filter((a) => a.startsWith("ssm:") || a.startsWith("kms:")),
        key,
      ).toEqual([]);
    }
  });
});

describe("secrets", () => {
  const holders = (name: string) =>
    (Object.keys(HANDLERS) as FunctionKey[]).filter((key) => envOf(key)[name] !== undefined);

  it("no secret-looking literal appears anywhere in the template", () => {
    expect(templateText).not.toMatch(/whsec_/);
    // A connection string with a password: scheme://user:password@host
    expect(templateText).not.toMatch(/postgres(ql)?:\/\/[^"\s/@]*:[^"\s/@]+@/);
  });

  it("DATABASE_URL and WEBHOOK_SECRETS are SSM references resolved at deploy time", () => {
    const ssm = /^\{\{resolve:ssm:\/contact-sync\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+\}\}$/;
    expect(envOf("worker").DATABASE_URL).toMatch(ssm);
    expect(envOf("webhook").WEBHOOK_SECRETS).toMatch(ssm);
    expect(envOf("reconcile").DATABASE_URL).toMatch(ssm);
    expect(envOf("reconcileWorker").DATABASE_URL).toMatch(ssm);
    // And only where needed.
    expect(envOf("console").DATABASE_URL).toMatch(ssm);
    expect(envOf("console").CONSOLE_CSRF_SECRET).toMatch(ssm);
    expect(holders("DATABASE_URL")).toEqual(["worker", "reconcile", "reconcileWorker", "console"]);
    expect(holders("WEBHOOK_SECRETS")).toEqual(["webhook"]);
  });

  it("no function gets the ResMan credentials in its environment, only the worker and the console their SSM names", () => {
    for (const variable of ["RESMAN_API_KEY", "RESMAN_INTEGRATION_PARTNER_ID"]) {
      expect(holders(variable), variable).toEqual([]);
    }
    expect(templateText).not.toMatch(/RESMAN_API_KEY"|RESMAN_INTEGRATION_PARTNER_ID"/);
    const names = /^\/contact-sync\/[A-Za-z0-9_.-]+\/resman-(partner-id|api-key)$/;
    expect(envOf("reconcileWorker").RESMAN_PARTNER_ID_PARAMETER).toMatch(names);
    expect(envOf("reconcileWorker").RESMAN_API_KEY_PARAMETER).toMatch(names);
    expect(envOf("console").RESMAN_API_KEY_PARAMETER).toMatch(names);
    // The reconcile worker reads ResMan; the console only for a Retry.
    expect(holders("RESMAN_API_KEY_PARAMETER")).toEqual(["reconcileWorker", "console"]);
  });

  it("the credentials' KMS key is administered by the account through IAM, and rotates", () => {
    const key = props<{
      EnableKeyRotation: boolean;
      KeyPolicy: { Statement: Statement[] };
    }>("ResmanCredentialsKey");
    expect(key.EnableKeyRotation).toBe(true);
    // KMS's default key policy, the one statement with a wildcard the IAM test does not see
    // (in a key policy, Resource "*" means this key): the account root, nobody else.
    expect(key.KeyPolicy.Statement).toHaveLength(1);
    expect(key.KeyPolicy.Statement[0]).toMatchObject({ Effect: "Allow", Resource: "*" });
    expect(JSON.stringify(key.KeyPolicy.Statement[0]?.Principal)).toMatch(
      /^\{"AWS":\{"Fn::Sub":"arn:\$\{AWS::Partition\}:iam::\$\{AWS::AccountId\}:root"\}\}$/,
    );
  });
});
