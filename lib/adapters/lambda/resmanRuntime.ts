/**
 * The reconcile worker's ResMan source on Lambda: built on first use from the credentials of a
 * `CredentialsSource` (SSM SecureStrings, `lib/adapters/resman/credentials.ts`), and built again
 * only when they changed (a rotation), so one source, with its per-account concurrency limit,
 * serves every invocation of the container.
 */
import type { ResmanSource } from "../../app/ports/resmanSource.js";
import { configuredResmanSource } from "../resman/configuredSource.js";
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
