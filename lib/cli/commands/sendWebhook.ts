/**
 * `contact-sync send-webhook`: posts one signed ResMan webhook delivery to the local stack's
 * `POST /webhooks/resman` (`lib/local/server.ts`), as ResMan's relay would. The file holds a
 * whole envelope (sent as written unless a flag changes it) or just a `person` object, which is
 * then wrapped in an envelope from `--type`, `--property`, `--account` and the current time. The
 * body is signed with the Standard Webhooks scheme (the `standardwebhooks` package) under a new
 * delivery id, with `--secret`, else the first of `WEBHOOK_SECRETS`, else the local stack's
 * well-known secret.
 *
 * Prints the status and the delivery id; a refusal prints the server's error code and field
 * paths, never a value. Exit 0 on 202; 2 for bad input (a missing or non-JSON file, a refusal
 * with 4xx); 1 when the server cannot be reached or fails (5xx).
 *
 * Also the HTTP client `send-event` shares: the `--url` option, reading a JSON file, posting JSON
 * and turning an answer that is not a success into the error (and exit code) it stands for.
 */
import { randomUUID } from "node:crypto";
import { type Command, InvalidArgumentError, Option } from "commander";
import { Webhook } from "standardwebhooks";
import { ContactSyncError, InvalidInputError } from "../../domain/errors.js";
import { webhookEventTypes } from "../../domain/events.js";
import { DEFAULT_LOCAL_PORT, LOCAL_WEBHOOK_SECRET } from "../../local/server.js";
import type { CommandContext } from "../context.js";
import { guid, positiveInteger, readJsonFile } from "../options.js";

/** The local server did not answer, or answered with a failure of its own (exit 1). */
export class LocalServerError extends ContactSyncError {
  readonly retryable = true;
  readonly code = "local_server_error";
}

/** How long one request may take. */
const REQUEST_TIMEOUT_MS = 30_000;

/** `--url`: the local stack's base URL. */
export function urlOption(): Option {
  return new Option("--url <url>", "the local stack's URL")
    .argParser((value: string) => {
      const url = URL.parse(value.trim());
      if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
        throw new InvalidArgumentError("must be an http:// or https:// URL");
      }
      return url.href;
    })
    .default(`http://127.0.0.1:${DEFAULT_LOCAL_PORT}`);
}

/** A server's answer: its status and its body, parsed when it is JSON. */
export interface Answer {
  status: number;
  body: unknown;
}

/** Posts `body` (JSON text) to `path` of the local stack at `base`. */
export async function postJson(
  base: string,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const url = new URL(path, base);
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    // undici puts the reason in `cause`: a socket error's code, or why it would not try.
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const reason = [
      cause?.code,
      cause?.message,
      error instanceof Error ? error.name : "failed",
    ].find((text): text is string => typeof text === "string" && text !== "");
    throw new LocalServerError(
      `cannot reach ${url.origin} (${reason}): is \`contact-sync start\` running?`,
    );
  }
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: response.status, body: undefined };
  }
}

/**
 * The error an unsuccessful answer stands for: the sender's mistake for a 4xx (exit 2), the
 * server's failure otherwise (exit 1). Only the server's error code and field paths are shown.
 */
export function refusal(what: string, answer: Answer): ContactSyncError {
  const body = (answer.body ?? {}) as { error?: unknown; issues?: unknown };
  const code = typeof body.error === "string" ? ` ${body.error}` : "";
  const paths = Array.isArray(body.issues)
    ? body.issues.flatMap((issue: { path?: unknown }) =>
        typeof issue?.path === "string" ? [issue.path || "(body)"] : [],
      )
    : [];
  const detail = `${answer.status}${code}${paths.length > 0 ? ` (${paths.join(", ")})` : ""}`;
  return answer.status >= 400 && answer.status < 500
    ? new InvalidInputError(`the server refused ${what}: ${detail}`)
    : new LocalServerError(`the server failed ${what}: ${detail}`);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

interface SendWebhookOptions {
  file: string;
  url: string;
  secret?: string;
  type?: (typeof webhookEventTypes)[number];
  property?: string;
  account?: number;
}

/**
 * The body to send: the envelope as written when no flag changes it, else the envelope with the
 * flags' fields, or the person wrapped in a new one.
 */
function bodyOf(file: { text: string; json: unknown }, options: SendWebhookOptions): string {
  const flags = {
    ...(options.type === undefined ? {} : { type: options.type }),
    ...(options.account === undefined ? {} : { account_id: options.account }),
    ...(options.property === undefined ? {} : { property_id: options.property }),
  };
  if (!isObject(file.json)) {
    throw new InvalidInputError(`${options.file} must hold a webhook envelope or a person object`);
  }
  if (Object.hasOwn(file.json, "person")) {
    return Object.keys(flags).length === 0 ? file.text : JSON.stringify({ ...file.json, ...flags });
  }
  if (options.property === undefined || options.account === undefined) {
    throw new InvalidInputError(
      `${options.file} holds a person, not an envelope: --property and --account are required to wrap it`,
    );
  }
  return JSON.stringify({
    type: "person.upserted",
    occurred_at: new Date().toISOString(),
    ...flags,
    person: file.json,
  });
}

/** The signing secret; a malformed one is refused without being shown. */
function signerOf(secret: string, source: string): Webhook {
  try {
    if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret)) throw new Error("format");
    return new Webhook(secret);
  } catch {
    throw new InvalidInputError(`${source} is not a whsec_<base64> secret`);
  }
}

/** Registers `send-webhook`. */
export function registerSendWebhook(program: Command, { io, config }: CommandContext): void {
  program
    .command("send-webhook")
    .summary("post a signed ResMan webhook delivery to the local stack")
    .description(
      "Post one signed ResMan webhook delivery (design §5) to the local stack's POST /webhooks/resman. The file holds a whole envelope, or just a person object, which is wrapped in a new envelope (then --property and --account are required). Prints the status and the delivery id.",
    )
    .requiredOption("--file <path>", "a webhook envelope or a person object (JSON)")
    .addOption(urlOption())
    .option(
      "--secret <whsec>",
      "the signing secret (default: the first of WEBHOOK_SECRETS, else the local stack's)",
    )
    .addOption(
      new Option("--type <type>", "the event type (default person.upserted)").choices(
        webhookEventTypes,
      ),
    )
    .option("--property <guid>", "the ResMan property GUID of the envelope", guid)
    .option("--account <id>", "the ResMan account id of the envelope", positiveInteger)
    .addHelpText(
      "after",
      "\nThe envelope and the person are described by schemas/resman-webhook.json (JSON Schema)\n" +
        "and docs/design.md §5. A person object with its required fields and a few others:\n" +
        '  {"person_id": "<PersonID, a GUID>", "status": "prospect", "last_modified":\n' +
        '   "2026-12-07T09:00:00Z", "first_name": "…", "last_name": "…", "email": "…",\n' +
        '   "phones": [{"type": "mobile", "number": "…"}]}\n' +
        "\nExample:\n  contact-sync send-webhook --file person.json --property <ResMan property GUID> --account 400\n" +
        "\nExit code: 0 when the server accepted the delivery (202), 2 for bad input (a missing or\n" +
        "non-JSON file, a delivery the server refused with 4xx), 1 when the server cannot be\n" +
        "reached or failed.",
    )
    .action(async (options: SendWebhookOptions) => {
      const signer =
        options.secret === undefined
          ? signerOf(config().webhookSecrets?.[0] ?? LOCAL_WEBHOOK_SECRET, "WEBHOOK_SECRETS")
          : signerOf(options.secret, "--secret");
      const body = bodyOf(await readJsonFile(options.file), options);
      const id = `msg_${randomUUID().replaceAll("-", "")}`;
      const now = new Date();
      const answer = await postJson(options.url, "/webhooks/resman", body, {
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
        "webhook-signature": signer.sign(id, now, body),
      });
      if (answer.status !== 202) throw refusal(`delivery ${id}`, answer);
      io.stdout.write(`${answer.status} accepted: delivery ${id}\n`);
    });
}
