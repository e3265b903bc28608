/**
 * Option and argument parsers shared by several commands, and `--property` and `--json`, spelled
 * the same (flag, metavar, help text) on every command that takes them. A bad value is a usage error:
 * one line on stderr, exit code 2. Also the JSON files the commands' `--file` options name.
 */
import { readFile } from "node:fs/promises";
import { InvalidArgumentError, Option } from "commander";
import { fileProblem } from "../adapters/files/errors.js";
import { InvalidInputError } from "../domain/errors.js";
import { isGuid } from "../domain/person.js";

/** A GUID, lower-cased. */
export function guid(value: string): string {
  if (!isGuid(value.trim())) throw new InvalidArgumentError("must be a GUID");
  return value.trim().toLowerCase();
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError("must be a positive integer");
  }
  return n;
}

/** `--property <guid>`: the flag every command that works on a property takes. */
export const PROPERTY_FLAGS = "--property <guid>";

const PROPERTY_HELP = "ResMan property GUID (or the contact-sync property id)";

/** `--property`, required: the property the command works on (either of its ids). */
export function propertyOption(): Option {
  return new Option(PROPERTY_FLAGS, PROPERTY_HELP).argParser(guid).makeOptionMandatory();
}

/** `--property`, optional: only this property instead of all of them. */
export function propertyFilterOption(): Option {
  return new Option(PROPERTY_FLAGS, `only this property: ${PROPERTY_HELP}`).argParser(guid);
}

/** `--all`: every property the command applies to, instead of one `--property`. */
export function allPropertiesOption(which: string): Option {
  return new Option("--all", which).conflicts("property");
}

/** A command that takes `--property` or `--all` needs one of them (exit 2 otherwise). */
export function requirePropertyOrAll(options: { property?: string; all?: boolean }): void {
  if (options.property === undefined && options.all !== true) {
    throw new InvalidInputError("say which properties: --property <guid> or --all");
  }
}

/**
 * `--json`, with the same wording on every command that has it: JSON on stdout (snake_case keys,
 * ids only) instead of the text meant for people. `what` says what the JSON holds when it is more
 * than the text shows.
 */
export function jsonOption(what?: string): Option {
  return new Option(
    "--json",
    `print JSON instead of text${what === undefined ? "" : ` (${what})`}`,
  );
}

/**
 * A file's text and its JSON (`send-webhook --file`, `send-event --file`, the rules files); a
 * missing, unreadable or non-JSON file is the caller's mistake (exit 2). `what` names the file
 * in the message ("rules file ").
 */
export async function readJsonFile(
  path: string,
  what = "",
): Promise<{ text: string; json: unknown }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new InvalidInputError(`cannot read ${what}${path}: ${fileProblem(error)}`);
  }
  try {
    return { text, json: JSON.parse(text) as unknown };
  } catch {
    // The SyntaxError quotes the file: not shown.
    throw new InvalidInputError(`${what}${path} is not valid JSON`);
  }
}

/** A rules file's JSON (`rules set --file`, `rules simulate --file`). */
export async function readRulesFile(path: string): Promise<unknown> {
  return (await readJsonFile(path, "rules file ")).json;
}
