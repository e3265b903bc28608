/**
 * Instants and dates as the ResMan stand-in reads and writes them: ISO-8601 in (a date, or a date
 * and time with or without a zone; no zone means UTC), ISO-8601 UTC with milliseconds out, and
 * calendar dates as `YYYY-MM-DD`.
 */

const ISO_INSTANT =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Milliseconds since the epoch of an ISO-8601 date or date-time, or null when it is not one. */
export function parseInstant(text: string): number | null {
  const match = ISO_INSTANT.exec(text.trim());
  if (match === null) return null;
  const [, date, time, zone] = match;
  const ms = Date.parse(time === undefined ? `${date}T00:00:00Z` : `${date}T${time}${zone ?? "Z"}`);
  return Number.isNaN(ms) ? null : ms;
}

/** `YYYY-MM-DD` of an instant, in UTC. */
export function dateOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** ISO-8601 UTC with milliseconds. */
export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

export const DAY_MS = 86_400_000;

/** Whether text is a real calendar date written `YYYY-MM-DD`. */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(ms) && dateOf(ms) === text;
}
