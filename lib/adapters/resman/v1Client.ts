/**
 * The ResMan v1 "classic" reads (form `POST`): `MITS/SearchProspects` over a modification
 * window (XML) and `Leasing/GetApplicantsAndCurrentResidents` (JSON). Returns the raw records;
 * mapping them to people is `lib/domain/resmanRecords.ts`.
 *
 * v1 can fail with HTTP 200: every answer's envelope `Status` must say `Success`, or the read
 * fails with `ResmanApiError` (ResMan's `ErrorDescription` kept, made safe, in `detail`).
 *
 * A window holding too many guest cards makes ResMan answer HTTP 502 "buffer overflow". The
 * window is then halved, recursively, both halves read one after the other, as DWELL does:
 *
 *   since ───────────────── mid ───────────────── until
 *   [ first half ........... ]
 *                          [ ........... second half ]
 *
 * ResMan treats both bounds as inclusive, so the halves share `mid`: a record modified exactly
 * then comes twice (the caller drops repeats) rather than never. No window shorter than
 * `MIN_WINDOW_MS` is asked for: when a half would be, the read fails with `ResmanWindowError`.
 */
import { XMLParser } from "fast-xml-parser";
import { repeatedXmlElements, XML_ATTRIBUTE_PREFIX, xmlList } from "../../domain/resmanRecords.js";
import { ResmanWindowError } from "./errors.js";
import type { ResmanHttp, ResmanReply, ResmanTarget } from "./http.js";
import {
  checkBody,
  expectSuccess,
  parseJsonBody,
  v1JsonEnvelope,
  v1RosterBody,
  v1XmlEnvelope,
} from "./responses.js";
import type { ResmanRecords } from "./v2Client.js";

/** The shortest window asked for when splitting an overflowing one (DWELL's limit). */
export const MIN_WINDOW_MS = 60_000;

export interface ResmanV1Client {
  /**
   * `MITS/SearchProspects`: the MITS `Prospect` elements of guest cards modified in the window
   * (both bounds inclusive), the window split as often as ResMan's buffer requires.
   */
  searchProspects(target: ResmanTarget, window: { since: Date; until: Date }): Promise<unknown[]>;
  /** `Leasing/GetApplicantsAndCurrentResidents`: every applicant and resident. */
  applicantsAndResidents(target: ResmanTarget): Promise<ResmanRecords>;
}

/** Reads the MITS XML as `peopleFromV1Prospects` expects it (see `resmanRecords.ts`). */
const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: XML_ATTRIBUTE_PREFIX,
  // Values stay text: a phone "0005551234" or a zip "02134" must not become a number.
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name, _path, _isLeaf, isAttribute) => !isAttribute && repeatedXmlElements.has(name),
});

/** A v1 XML answer as the MITS mapping reads it; undefined when it is not XML at all. */
export function parseV1Xml(body: string): unknown {
  try {
    return xmlParser.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * The MITS `Prospect` elements of a `SearchProspects` answer (windowed or by criteria), once its
 * envelope says `Success`.
 */
export function prospectsOfAnswer(http: ResmanHttp, reply: ResmanReply): unknown[] {
  const { ResMan: envelope } = checkBody(reply.call, parseV1Xml(reply.body), v1XmlEnvelope);
  expectSuccess(reply.call, envelope.Status, envelope.ErrorDescription, http.detail);
  return xmlList(
    xmlChild(xmlChild(xmlChild(envelope.Response, "LeadManagement"), "Prospects"), "Prospect"),
  );
}

/** A child element of a parsed XML node; undefined when the node is text or absent. */
function xmlChild(node: unknown, name: string): unknown {
  return node !== null && typeof node === "object"
    ? (node as Record<string, unknown>)[name]
    : undefined;
}

export function createV1Client(http: ResmanHttp, now: () => Date): ResmanV1Client {
  async function searchOnce(target: ResmanTarget, since: Date, until: Date): Promise<unknown[]> {
    const reply = await http.read(target, {
      api: "v1",
      path: "/MITS/SearchProspects",
      form: {
        ModifiedStartDateTime: since.toISOString(),
        ModifiedEndDateTime: until.toISOString(),
      },
      accept: "application/xml",
    });
    return prospectsOfAnswer(http, reply);
  }

  async function search(target: ResmanTarget, since: Date, until: Date): Promise<unknown[]> {
    let overflow: ResmanWindowError;
    try {
      return await searchOnce(target, since, until);
    } catch (error) {
      if (!(error instanceof ResmanWindowError)) throw error;
      overflow = error;
    }
    const half = Math.floor((until.getTime() - since.getTime()) / 2);
    if (half < MIN_WINDOW_MS) {
      const seconds = Math.round((until.getTime() - since.getTime()) / 1000);
      throw new ResmanWindowError(
        overflow.call,
        overflow.window,
        `HTTP 502 buffer overflow on a ${seconds} s window, which cannot be halved below ${MIN_WINDOW_MS / 1000} s`,
        { cause: overflow },
      );
    }
    const mid = new Date(since.getTime() + half);
    const first = await search(target, since, mid);
    const second = await search(target, mid, until);
    return [...first, ...second];
  }

  return {
    searchProspects(target, window) {
      // Neither bound in the future: ResMan's clock is the one that counts.
      const until = new Date(Math.min(window.until.getTime(), now().getTime()));
      const since = new Date(Math.min(window.since.getTime(), until.getTime()));
      return search(target, since, until);
    },
    async applicantsAndResidents(target) {
      const reply = await http.read(target, {
        api: "v1",
        path: "/Leasing/GetApplicantsAndCurrentResidents",
        form: {},
        accept: "application/json",
      });
      const envelope = parseJsonBody(reply.call, reply.body, v1JsonEnvelope);
      expectSuccess(reply.call, envelope.Status, envelope.ErrorDescription, http.detail);
      return checkBody(reply.call, envelope, v1RosterBody).People ?? [];
    },
  };
}
