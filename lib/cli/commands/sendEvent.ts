/**
 * `contact-sync send-event`: posts one DomIQ chatbot event to the local stack's `POST /events`
 * (`lib/local/eventsEndpoint.ts`) as a PutEvents entry with Source `domiq.chatbot`, the given
 * detail-type and the file's JSON as its detail, as the chatbot's publisher would put it on the
 * bus. Prints the event id EventBridge would give it, or the entry's error code and the field
 * paths at fault, never a value. Exit 0 when the entry was accepted; 2 for bad input (a missing
 * or non-JSON file, an entry the server refused); 1 when the server cannot be reached or fails.
 */
import { type Command, Option } from "commander";
import { InvalidInputError } from "../../domain/errors.js";
import { CHATBOT_SOURCE, chatbotDetailTypes } from "../../domain/events.js";
import type { PutEventsResponse } from "../../local/eventsEndpoint.js";
import type { CommandContext } from "../context.js";
import { readJsonFile } from "../options.js";
import { LocalServerError, postJson, refusal, urlOption } from "./sendWebhook.js";

interface SendEventOptions {
  type: string;
  file: string;
  url: string;
}

/** Registers `send-event`. */
export function registerSendEvent(program: Command, { io }: CommandContext): void {
  program
    .command("send-event")
    .summary("post a DomIQ chatbot event to the local stack")
    .description(
      `Post one DomIQ chatbot event (Source ${CHATBOT_SOURCE}) to the local stack's POST /events as a PutEvents entry, with the file's JSON as its detail. Prints the event id, or the entry's error code and the fields at fault.`,
    )
    .addOption(
      new Option("--type <detail-type>", "the event's detail-type (quote it: two words)")
        .choices(chatbotDetailTypes)
        .makeOptionMandatory(),
    )
    .requiredOption("--file <path>", "the event's detail (JSON)")
    .addOption(urlOption())
    .addHelpText(
      "after",
      "\nThe detail of each type is described by its JSON Schema in schemas/ (chatbot-contact-\n" +
        "captured.json, …). A Contact Captured detail with its required fields, the contact optional:\n" +
        '  {"event_id": "evt-1", "property_id": "<property id>", "conversation_id": "c-1",\n' +
        '   "occurred_at": "2026-12-07T09:00:00Z", "contact": {"first_name": "…", "email": "…"}}\n' +
        "(property_id: the property's contact-sync id, which `contact-sync stats` lists.)\n" +
        '\nExample:\n  contact-sync send-event --type "Contact Captured" --file detail.json\n' +
        "\nExit code: 0 when the server accepted the event, 2 for bad input (a missing or non-JSON\n" +
        "file, an event the server refused), 1 when the server cannot be reached or failed.",
    )
    .action(async (options: SendEventOptions) => {
      const { json } = await readJsonFile(options.file);
      const body = JSON.stringify({
        Entries: [
          { Source: CHATBOT_SOURCE, DetailType: options.type, Detail: JSON.stringify(json) },
        ],
      });
      const answer = await postJson(options.url, "/events", body);
      if (answer.status !== 200) throw refusal("the event", answer);
      const entry = (answer.body as Partial<PutEventsResponse> | undefined)?.Entries?.[0];
      if (entry === undefined) {
        throw new LocalServerError("the server's answer holds no entry result");
      }
      if ("EventId" in entry) {
        io.stdout.write(`accepted: event ${entry.EventId} (${options.type})\n`);
        return;
      }
      const reason = `${entry.ErrorCode}: ${entry.ErrorMessage}`;
      throw entry.ErrorCode === "InternalFailure"
        ? new LocalServerError(`the server failed the event: ${reason}`)
        : new InvalidInputError(`the server refused the event: ${reason}`);
    });
}
