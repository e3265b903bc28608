/**
 * The ResMan v2 "Partners API" reads (JSON, `GET`): guest cards and leases modified since a
 * moment, and the roster of applicants and residents. Returns the raw records, checked only for
 * the envelope (`responses.ts`); mapping them to people is `lib/domain/resmanRecords.ts`.
 */
import type { ResmanHttp, ResmanTarget } from "./http.js";
import { parseJsonBody, v2LeasesBody, v2ProspectsBody, v2ResidentsBody } from "./responses.js";

/** A list of ResMan records (objects of unknown fields). */
export type ResmanRecords = Record<string, unknown>[];

export interface ResmanV2Client {
  /** `GET /Prospects`: guest cards modified at or after `since`. */
  prospects(target: ResmanTarget, since: Date): Promise<ResmanRecords>;
  /** `GET /Leasing/Leases`: leases modified at or after `since`. */
  leases(target: ResmanTarget, since: Date): Promise<ResmanRecords>;
  /** `GET /CreditReporting/Residents`: every applicant and resident (no modification filter). */
  residents(target: ResmanTarget): Promise<ResmanRecords>;
}

/**
 * `modifiedSince` as v2 wants it: ISO-8601 UTC, never in the future (ResMan rejects that; a
 * clock ahead of ResMan's would otherwise fail every read).
 */
export function modifiedSince(since: Date, now: Date): string {
  return new Date(Math.min(since.getTime(), now.getTime())).toISOString();
}

export function createV2Client(http: ResmanHttp, now: () => Date): ResmanV2Client {
  const query = (target: ResmanTarget, since: Date) => ({
    propertyId: target.propertyId,
    modifiedSince: modifiedSince(since, now()),
  });
  return {
    async prospects(target, since) {
      const reply = await http.read(target, {
        api: "v2",
        path: "/Prospects",
        query: query(target, since),
      });
      return parseJsonBody(reply.call, reply.body, v2ProspectsBody).prospects;
    },
    async leases(target, since) {
      const reply = await http.read(target, {
        api: "v2",
        path: "/Leasing/Leases",
        query: query(target, since),
      });
      return parseJsonBody(reply.call, reply.body, v2LeasesBody).leases;
    },
    async residents(target) {
      const reply = await http.read(target, {
        api: "v2",
        path: "/CreditReporting/Residents",
        query: { propertyId: target.propertyId },
      });
      return parseJsonBody(reply.call, reply.body, v2ResidentsBody).people;
    },
  };
}
