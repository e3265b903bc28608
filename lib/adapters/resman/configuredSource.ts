/**
 * The ResMan source a process reads through, and the guest-card client it pushes guest cards
 * through, from its configuration: the endpoints (`RESMAN_V2_URL`, `RESMAN_V1_URL`) and the
 * partner credentials (`RESMAN_INTEGRATION_PARTNER_ID`, `RESMAN_API_KEY` locally; on Lambda the
 * credentials come from SSM, `credentials.ts`, and are passed in). Missing credentials fail at
 * once, naming the variables only.
 */
import type { GuestCardPort } from "../../app/ports/guestCards.js";
import type { ResmanSource } from "../../app/ports/resmanSource.js";
import { ConfigError } from "../../config.js";
import { createGuestCardClient } from "./guestCardClient.js";
import { createResmanSource } from "./resmanSource.js";

export interface ResmanSettings {
  v2Url: string;
  v1Url: string;
  partnerId: string | undefined;
  apiKey: string | undefined;
  /** Per call; default 30 s. */
  timeoutMs?: number | undefined;
}

/** The credentials, or a `ConfigError` naming the missing variables (`purpose`: what for). */
function credentialsOf(settings: ResmanSettings, purpose: string) {
  const { partnerId, apiKey } = settings;
  if (partnerId === undefined || apiKey === undefined) {
    const missing = [
      ...(partnerId === undefined ? ["RESMAN_INTEGRATION_PARTNER_ID"] : []),
      ...(apiKey === undefined ? ["RESMAN_API_KEY"] : []),
    ];
    throw new ConfigError(
      `missing ${missing.join(" and ")}: required to ${purpose} (to try it locally, ` +
        "`contact-sync resman-stub` or `npm start` prints a stand-in's URLs and credentials)",
    );
  }
  const timeout = settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs };
  return { partnerId, apiKey, ...timeout };
}

/** `signal`: stops every read at once when aborted (`ResmanSourceOptions.signal`). */
export function configuredResmanSource(
  settings: ResmanSettings,
  signal?: AbortSignal,
): ResmanSource {
  return createResmanSource({
    v2Url: settings.v2Url,
    v1Url: settings.v1Url,
    ...credentialsOf(settings, "read from ResMan"),
    ...(signal === undefined ? {} : { signal }),
  });
}

/** The guest-card client (v1 only: every property's guest cards are written through v1). */
export function configuredGuestCards(settings: ResmanSettings): GuestCardPort {
  return createGuestCardClient({
    v1Url: settings.v1Url,
    ...credentialsOf(settings, "write guest cards to ResMan"),
  });
}
