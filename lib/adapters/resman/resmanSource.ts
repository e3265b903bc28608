/**
 * The `ResmanSource` port (`lib/app/ports/resmanSource.ts`) over ResMan's two APIs: a property
 * read through v2 gets its guest cards and leases from the Partners API, one read through v1
 * its guest cards from `SearchProspects`; both get their roster from their API's roster read.
 * Records become people in the person contract here (`lib/domain/resmanRecords.ts`).
 *
 * One source shares one transport: a single concurrency limit per ResMan AccountID holds for
 * every read it makes, whatever the property or API.
 */
import type {
  IncrementalResource,
  ResmanApi,
  ResmanPeople,
  ResmanPropertyAccess,
  ResmanSource,
  ResmanWindow,
} from "../../app/ports/resmanSource.js";
import {
  peopleFromV1Prospects,
  peopleFromV1Roster,
  peopleFromV2Leases,
  peopleFromV2Prospects,
  peopleFromV2Roster,
} from "../../domain/resmanRecords.js";
import { combinePeople } from "../../domain/resmanTally.js";
import { createResmanHttp, type ResmanHttpOptions, type ResmanTarget } from "./http.js";
import { createV1Client } from "./v1Client.js";
import { createV2Client } from "./v2Client.js";

export const DEFAULT_V2_URL = "https://partners-api.myresman.com";
export const DEFAULT_V1_URL = "https://api.myresman.com";

export interface ResmanSourceOptions {
  /** v2 Partners API base URL (default `DEFAULT_V2_URL`). */
  v2Url?: string;
  /** v1 classic API base URL (default `DEFAULT_V1_URL`). */
  v1Url?: string;
  /** ResMan IntegrationPartnerID (secret). */
  partnerId: string;
  /** ResMan ApiKey (secret). */
  apiKey: string;
  /** Per try, body included (default 30 000 ms). */
  timeoutMs?: number;
  /** Tries per read, the first included (default 3). */
  tries?: number;
  /** First backoff ceiling, doubled each try, full jitter (default 500 ms). */
  retryBaseMs?: number;
  /** Longest wait between tries, `Retry-After` included (default 30 000 ms). */
  retryMaxMs?: number;
  /** Reads in flight at once per ResMan AccountID (default 2). */
  concurrencyPerAccount?: number;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** The clock that keeps windows out of the future (default: the system clock). */
  now?: () => Date;
  /**
   * Stops every read at once when aborted (Ctrl-C on a command): one in flight or waiting
   * fails with code `interrupted` (`ResmanInterruptedError`).
   */
  signal?: AbortSignal;
}

const incremental: Readonly<Record<ResmanApi, readonly IncrementalResource[]>> = {
  v2: ["prospects", "leases"],
  v1: ["prospects"],
};

/** The transport a property's requests go through: its AccountID and PropertyID. */
export function targetOf(property: ResmanPropertyAccess): ResmanTarget {
  return { accountId: property.resmanAccountId, propertyId: property.resmanPropertyId };
}

/** The transport's options from a client's, defaults filled in (see `ResmanSourceOptions`). */
export function transportOptions(options: Omit<ResmanSourceOptions, "now">): ResmanHttpOptions {
  return {
    v2Url: options.v2Url ?? DEFAULT_V2_URL,
    v1Url: options.v1Url ?? DEFAULT_V1_URL,
    partnerId: options.partnerId,
    apiKey: options.apiKey,
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: options.timeoutMs ?? 30_000,
    tries: options.tries ?? 3,
    retryBaseMs: options.retryBaseMs ?? 500,
    retryMaxMs: options.retryMaxMs ?? 30_000,
    concurrencyPerAccount: options.concurrencyPerAccount ?? 2,
    signal: options.signal,
  };
}

/** A `ResmanSource` reading ResMan over HTTP (see the module header). */
export function createResmanSource(options: ResmanSourceOptions): ResmanSource {
  const now = options.now ?? (() => new Date());
  // The reading transport: it has no write (`http.ts`).
  const http = createResmanHttp(transportOptions(options));
  const v2 = createV2Client(http, now);
  const v1 = createV1Client(http, now);

  return {
    incrementalResources: (api) => incremental[api],

    async changedPeople(property, resource, window: ResmanWindow): Promise<ResmanPeople> {
      const target = targetOf(property);
      if (!incremental[property.api].includes(resource)) {
        throw new Error(`ResMan ${property.api} offers no incremental read of ${resource}`);
      }
      if (property.api === "v1") {
        // Halves of a split window share their boundary: drop the repeated versions.
        return combinePeople([peopleFromV1Prospects(await v1.searchProspects(target, window))]);
      }
      return resource === "prospects"
        ? peopleFromV2Prospects(await v2.prospects(target, window.since))
        : peopleFromV2Leases(await v2.leases(target, window.since));
    },

    async roster(property): Promise<ResmanPeople> {
      const target = targetOf(property);
      return property.api === "v1"
        ? peopleFromV1Roster(await v1.applicantsAndResidents(target))
        : peopleFromV2Roster(await v2.residents(target));
    },
  };
}
