/**
 * The reconcile worker's ResMan source and guest-card client on Lambda: built on first use from the credentials of a
 * `CredentialsSource` (SSM SecureStrings, `lib/adapters/resman/credentials.ts`), and built again
 * only when they changed (a rotation), so one source, with its per-account concurrency limit,
 * serves every invocation of the container.
 */
import type { GuestCardPort } from "../../app/ports/guestCards.js";
import type { ResmanSource } from "../../app/ports/resmanSource.js";
import { configuredGuestCards, configuredResmanSource } from "../resman/configuredSource.js";
import type { CredentialsSource } from "../resman/credentials.js";

export function lazyResmanSource(
  endpoints: { v2Url: string; v1Url: string },
  credentials: CredentialsSource,
): () => Promise<ResmanSource> {
  let built: { partnerId: string; apiKey: string; source: ResmanSource } | undefined;
  return async () => {
    const { partnerId, apiKey } = await credentials.get();
    if (built?.partnerId !== partnerId || built.apiKey !== apiKey) {
      const source = configuredResmanSource({ ...endpoints, partnerId, apiKey });
      built = { partnerId, apiKey, source };
    }
    return built.source;
  };
}

/** The guest-card client, built like the source: on first use, again after a rotation. */
export function lazyGuestCards(
  endpoints: { v2Url: string; v1Url: string },
  credentials: CredentialsSource,
): () => Promise<GuestCardPort> {
  let built: { partnerId: string; apiKey: string; client: GuestCardPort } | undefined;
  return async () => {
    const { partnerId, apiKey } = await credentials.get();
    if (built?.partnerId !== partnerId || built.apiKey !== apiKey) {
      const client = configuredGuestCards({ ...endpoints, partnerId, apiKey });
      built = { partnerId, apiKey, client };
    }
    return built.client;
  };
}
