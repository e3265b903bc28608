/**
 * Writes the JSON Schemas of the event contracts into `schemas/` (`npm run schemas`), generated
 * from the zod schemas in `lib/domain/events.ts` so the two cannot drift: the unit test
 * `json-schemas.test.ts` regenerates them in memory and fails when a committed file is stale.
 * Output is stable (keys in a fixed order, two-space indent, newline at the end), so running
 * this again without a contract change gives no diff.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  CHATBOT_SOURCE,
  type ChatbotDetailType,
  chatbotDetailSchemas,
  OUTBOUND_SOURCE,
  outboundDetailSchema,
  outboundEventTypes,
  syncMessageSchema,
  webhookEnvelopeSchema,
} from "../lib/domain/events.js";
import { isGuid } from "../lib/domain/person.js";
import { reconcileMessageSchema } from "../lib/domain/reconcileMessage.js";
import * as z from "../lib/domain/zod.js";

/** Where the generated files live (committed). */
export const schemasFolder = fileURLToPath(new URL("../schemas/", import.meta.url));

/** `$id`s are URNs: stable names for the contracts, not promises of a hosted URL. */
const ID_PREFIX = "urn:contact-sync:schema:";

/**
 * The GUID check of the contracts is a zod refinement (`isGuid`), which JSON Schema cannot see;
 * this is the same rule as a pattern (any version bits, either case).
 */
export const GUID_PATTERN =
  "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/** One generated file: which zod schema, under which name, described how. */
export interface Contract {
  /** File name in `schemas/`. */
  file: string;
  title: string;
  description: string;
  schema: z.ZodMiniType;
}

/** `Contact Captured` → `contact-captured`, `contact.review_required` → `contact-review-required`. */
function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

/** Every contract of docs/design.md §5 that crosses a process boundary, in file-name order. */
export function contracts(): Contract[] {
  const list: Contract[] = [
    {
      file: "resman-webhook.json",
      title: "ResMan webhook",
      description:
        "Body of POST /webhooks/resman, signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). Unknown fields are ignored.",
      schema: webhookEnvelopeSchema,
    },
    ...(Object.keys(chatbotDetailSchemas) as ChatbotDetailType[]).map((detailType) => ({
      file: `chatbot-${slug(detailType)}.json`,
      title: `Chatbot ${detailType}`,
      description: `The detail of an EventBridge event with source "${CHATBOT_SOURCE}" and detail-type "${detailType}". Unknown fields are ignored.`,
      schema: chatbotDetailSchemas[detailType],
    })),
    {
      file: "reconcile-message.json",
      title: "Reconcile queue message",
      description:
        "Body of a message on the reconcile queue (SQS): one registered property for the reconcile worker to reconcile. Unknown fields are ignored.",
      schema: reconcileMessageSchema,
    },
    {
      file: "sync-message.json",
      title: "Sync queue message",
      description:
        "Body of a message on the sync queue (SQS): a ResMan webhook envelope or a chatbot event, with the id the worker deduplicates on.",
      schema: syncMessageSchema,
    },
    ...outboundEventTypes.map((type) => ({
      file: `${slug(type)}.json`,
      title: type,
      description: `The detail of an EventBridge event with source "${OUTBOUND_SOURCE}" and detail-type "${type}": ids and status only. Delivery is at least once (deduplicate on event_id); fields may be added, so ignore unknown ones.`,
      schema: outboundDetailSchema,
    })),
  ];
  return list.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** Whether a zod schema carries the `isGuid` refinement. */
function isGuidSchema(schema: z.core.$ZodType): boolean {
  const checks = (schema._zod.def as { checks?: readonly z.core.$ZodCheck[] }).checks ?? [];
  return checks.some((check) => (check._zod.def as { fn?: unknown }).fn === isGuid);
}

/** The JSON Schema object of one contract, with `$id`, `title` and `description`. */
export function jsonSchemaOf(contract: Contract): Record<string, unknown> {
  const generated = z.toJSONSchema(contract.schema, {
    target: "draft-2020-12",
    // What a sender may send: defaults are optional, and unknown fields are not forbidden (the
    // parsers strip them). The outbound detail has no defaults or transforms, so its input form
    // equals what is published, and leaving extra fields open lets it grow without breaking
    // consumers that validate.
    io: "input",
    override: (ctx) => {
      if (isGuidSchema(ctx.zodSchema)) ctx.jsonSchema.pattern = GUID_PATTERN;
    },
  });
  return {
    ...generated,
    $id: `${ID_PREFIX}${contract.file.replace(/\.json$/, "")}`,
    title: contract.title,
    description: contract.description,
  };
}

/** Header keys first, in this order; every other key sorted. */
const headKeys = ["$schema", "$id", "title", "description"];

function keyOrder(a: string, b: string): number {
  const ha = headKeys.indexOf(a);
  const hb = headKeys.indexOf(b);
  if (ha !== -1 || hb !== -1)
    return (ha === -1 ? headKeys.length : ha) - (hb === -1 ? headKeys.length : hb);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Objects with keys in a fixed order at every depth; arrays (enums, `required`) as given. */
function ordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ordered);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort(keyOrder)
        .map((key) => [key, ordered((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** File name → file content of every generated schema. */
export function generateSchemaFiles(): Map<string, string> {
  return new Map(
    contracts().map((contract) => [
      contract.file,
      `${JSON.stringify(ordered(jsonSchemaOf(contract)), null, 2)}\n`,
    ]),
  );
}

/** Rewrites `schemas/`: every generated file, and no stale one left behind. */
function writeSchemaFiles(): void {
  const files = generateSchemaFiles();
  mkdirSync(schemasFolder, { recursive: true });
  for (const name of readdirSync(schemasFolder)) {
    if (name.endsWith(".json") && !files.has(name)) rmSync(join(schemasFolder, name));
  }
  for (const [name, text] of files) writeFileSync(join(schemasFolder, name), text);
  process.stdout.write(`${files.size} schemas written to schemas/\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeSchemaFiles();
}
