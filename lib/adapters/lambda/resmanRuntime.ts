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

/**
 * What `build` makes from the credentials, made on first use and again only when the
 * credentials changed (a rotation): one client, with its per-account limit, per container.
 */
function rebuiltOnRotation<T>(
  credentials: CredentialsSource,
  build: (credentials: { partnerId: string; apiKey: string }) => T,
): () => Promise<T> {
  let built: { partnerId: string; apiKey: string; value: T } | undefined;
  return async () => {
    const { partnerId, apiKey } = await credentials.get();
    if (built?.partnerId !== partnerId || built.apiKey !== apiKey) {
      built = { partnerId, apiKey, value: build({ partnerId, apiKey }) };
    }
    return built.value;
  };
}

export function lazyResmanSource(
  endpoints: { v2Url: string; v1Url: string },
  credentials: CredentialsSource,
): () => Promise<ResmanSource> {
  return rebuiltOnRotation(credentials, (given) =>
    configuredResmanSource({ ...endpoints, ...given }),
  );
}

/** The guest-card client, built like the source: on first use, again after a rotation. */
export function lazyGuestCards(
  endpoints: { v2Url: string; v1Url: string },
  credentials: CredentialsSource,
): () => Promise<GuestCardPort> {
  return rebuiltOnRotation(credentials, (given) =>
    configuredGuestCards({ ...endpoints, ...given }),
  );
}
