/**
 * The ResMan partner credentials on Lambda: the IntegrationPartnerID and the ApiKey are SSM
 * SecureString parameters, read and decrypted through Powertools Parameters on first use (not at
 * import: a cold start needs no SSM) and kept for `maxAgeSeconds`, so a rotated key is picked up
 * without a deploy. Only the parameter NAMES are configuration (`RESMAN_PARTNER_ID_PARAMETER`,
 * `RESMAN_API_KEY_PARAMETER`); the values never reach the environment, a log line or an error
 * message (errors name the parameter and AWS's error name only).
 */
import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
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

/** AWS's name for what went wrong (Powertools wraps the SDK error as `cause`), never a message. */
function awsErrorName(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  const named = cause instanceof Error ? cause : error;
  return named instanceof Error ? named.name : "UnknownError";
}

/** The ResMan credentials from two SSM SecureString parameters (see the module header). */
export function ssmResmanCredentials(options: SsmCredentialsOptions): CredentialsSource {
  const provider = new SSMProvider(
    options.client === undefined ? {} : { awsSdkV3Client: options.client },
  );
  const maxAge = options.maxAgeSeconds ?? DEFAULT_CREDENTIALS_MAX_AGE_SECONDS;
  let forceFetch = false;

  const read = async (name: string): Promise<string> => {
    let value: string | undefined;
    try {
      value = await provider.get(name, { decrypt: true, maxAge, forceFetch });
    } catch (error) {
      throw new ResmanCredentialsError(
        `the SSM parameter ${name} could not be read (${awsErrorName(error)})`,
        { cause: error },
      );
    }
    // A value put from a file may end with a newline; blank is as good as missing.
    const trimmed = value?.trim() ?? "";
    if (trimmed === "") throw new ResmanCredentialsError(`the SSM parameter ${name} is empty`);
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
