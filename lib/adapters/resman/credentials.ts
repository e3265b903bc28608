/**
 * The ResMan partner credentials on Lambda: the IntegrationPartnerID and the ApiKey are SSM
 * SecureString parameters, read with `GetParameter` (decrypted) on first use and kept for
 * `maxAgeSeconds`, so a rotated key is picked up without a deploy. Not at import: the SSM client
 * is loaded on the first read (importing it costs ~70–100 ms, the most of any AWS SDK client here,
 * and the console needs it only for Retry). Only the parameter NAMES are configuration
 * (`RESMAN_PARTNER_ID_PARAMETER`, `RESMAN_API_KEY_PARAMETER`); the values never reach the
 * environment, a log line or an error message (errors name the parameter and AWS's error name
 * only).
 */
import type { SSMClient } from "@aws-sdk/client-ssm";
import { ContactSyncError } from "../../domain/errors.js";

export interface ResmanCredentials {
  partnerId: string;
  apiKey: string;
}

/** A credential parameter could not be read, or is empty. Retrying may help (SSM, KMS). */
export class ResmanCredentialsError extends ContactSyncError {
  readonly retryable = true;
  readonly code = "credentials_unavailable";
}

export interface SsmCredentialsOptions {
  /** Name of the SecureString holding the IntegrationPartnerID. */
  partnerIdParameter: string;
  /** Name of the SecureString holding the ApiKey. */
  apiKeyParameter: string;
  /** How long values are kept before SSM is asked again (default 900 s). */
  maxAgeSeconds?: number;
  /** Default: an SSM client from the SDK's standard configuration. */
  client?: SSMClient;
}

/** Where the worker gets its ResMan credentials. */
export interface CredentialsSource {
  get(): Promise<ResmanCredentials>;
  /** ResMan refused the credentials: the next `get` reads SSM again, whatever their age. */
  refresh(): void;
}

export const DEFAULT_CREDENTIALS_MAX_AGE_SECONDS = 900;

/** AWS's name for what went wrong, never a message (it may quote the request). */
function awsErrorName(error: unknown): string {
  return error instanceof Error ? error.name : "UnknownError";
}

/**
 * An SSM client from the SDK's standard configuration, the SDK loaded now: a dynamic import, so
 * that no bundle loads `@aws-sdk/client-ssm` at cold start.
 */
async function defaultSsmClient(): Promise<SSMClient> {
  const { SSMClient } = await import("@aws-sdk/client-ssm");
  return new SSMClient({});
}

/** The ResMan credentials from two SSM SecureString parameters (see the module header). */
export function ssmResmanCredentials(options: SsmCredentialsOptions): CredentialsSource {
  const maxAgeMs = (options.maxAgeSeconds ?? DEFAULT_CREDENTIALS_MAX_AGE_SECONDS) * 1000;
  /** Values read, by parameter name, with when they go stale. */
  const cache = new Map<string, { value: string; staleAt: number }>();
  let forceFetch = false;
  let loading: Promise<SSMClient> | undefined;
  // Loaded once; a failed load is not kept, so the next read tries again.
  const ssmClient = () => {
    loading ??= (
      options.client === undefined ? defaultSsmClient() : Promise.resolve(options.client)
    ).catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };

  const fetchValue = async (name: string): Promise<string | undefined> => {
    const ssm = await ssmClient();
    const { GetParameterCommand } = await import("@aws-sdk/client-ssm");
    const output = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    return output.Parameter?.Value;
  };

  const read = async (name: string): Promise<string> => {
    const cached = cache.get(name);
    if (cached !== undefined && !forceFetch && Date.now() < cached.staleAt) return cached.value;
    let value: string | undefined;
    try {
      value = await fetchValue(name);
    } catch (error) {
      throw new ResmanCredentialsError(
        `the SSM parameter ${name} could not be read (${awsErrorName(error)})`,
        { cause: error },
      );
    }
    // A value put from a file may end with a newline; blank is as good as missing.
    const trimmed = value?.trim() ?? "";
    if (trimmed === "") throw new ResmanCredentialsError(`the SSM parameter ${name} is empty`);
    cache.set(name, { value: trimmed, staleAt: Date.now() + maxAgeMs });
    return trimmed;
  };

  return {
    async get() {
      const [partnerId, apiKey] = await Promise.all([
        read(options.partnerIdParameter),
        read(options.apiKeyParameter),
      ]);
      forceFetch = false;
      return { partnerId, apiKey };
    },
    refresh() {
      forceFetch = true;
    },
  };
}
