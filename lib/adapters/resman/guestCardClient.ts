/**
 * The guest-card port (`lib/app/ports/guestCards.ts`) over ResMan's v1 API: the only code that
 * writes to ResMan. Every property goes through v1, one read through v2 included (v2 cannot
 * create prospects); the port's `ResmanPropertyAccess` gives the AccountID and PropertyID.
 *
 * - `searchProspects`: `MITS/SearchProspects` by `Email`, by `Phone`, or by `FirstName` and
 *   `LastName` (a read: retried as reads are);
 * - `createGuestCard`, `addProspectEvent`: `MITS/PostLeadManagement4_0` with the documents of
 *   `lib/domain/leadDocument.ts` (an event carries the prospect's ids and the event only);
 * - `prospectSources`, `employees`: `Leasing/GetProspectSources`, `Leasing/GetEmployees`.
 *
 * The write is sent through the transport that has one (`createResmanWriteHttp`), which never
 * sends it again once it may have reached ResMan: a timeout or a lost answer is
 * `GuestCardOutcomeUnknownError` (search before trying again). Every answer's envelope is
 * checked: a `Status` other than `Success` is `ResmanApiError` (`resman_error`) with ResMan's
 * `ErrorDescription` in `detail` ("Transaction Source could not be found", "Customer is not a
 * prospect"), blanked of the credentials and of the person's values the write carried. A write
 * answered 200 whose envelope cannot be read, or a create answered `Success` without both ids,
 * is an unknown outcome too: the card may exist.
 */
import type {
  FoundProspect,
  GuestCardIds,
  GuestCardPort,
  LeadEvent,
  ProspectSearch,
  ResmanLookup,
} from "../../app/ports/guestCards.js";
import type { ResmanPropertyAccess } from "../../app/ports/resmanSource.js";
import { InvalidInputError } from "../../domain/errors.js";
import {
  createDocument,
  eventDocument,
  foundProspects,
  idsFromAnswer,
} from "../../domain/leadDocument.js";
import { GuestCardOutcomeUnknownError } from "./errors.js";
import { createResmanWriteHttp, type ResmanReply } from "./http.js";
import { POST_LEAD, type SearchProspectsForm, type V1JsonPath } from "./requests.js";
import { type ResmanSourceOptions, targetOf, transportOptions } from "./resmanSource.js";
import {
  checkBody,
  expectSuccess,
  parseJsonBody,
  v1EmployeesBody,
  v1JsonEnvelope,
  v1ProspectSourcesBody,
  v1XmlEnvelope,
} from "./responses.js";
import { parseV1Xml, prospectsOfAnswer } from "./v1Client.js";

/** The options of `createResmanSource`, less the v2 URL and the clock (unused here). */
export type GuestCardClientOptions = Omit<ResmanSourceOptions, "v2Url" | "now">;

/** Person's values shorter than this are not blanked out of ResMan's words (too common). */
const MIN_BLANKED = 3;

/** What a write carried about a person, to blank out of ResMan's `ErrorDescription`. */
function personalValues(values: readonly (string | null | undefined)[]): string[] {
  return values.flatMap((value) =>
    value !== null && value !== undefined && value.trim().length >= MIN_BLANKED ? [value] : [],
  );
}

/** The search's form fields; blank criteria are refused before anything is sent. */
function searchForm(search: ProspectSearch): SearchProspectsForm {
  const blank = (value: string) => value.trim() === "";
  if ("email" in search && !blank(search.email)) return { Email: search.email };
  if ("phone" in search && !blank(search.phone)) return { Phone: search.phone };
  if ("firstName" in search && !blank(search.firstName) && !blank(search.lastName)) {
    return { FirstName: search.firstName, LastName: search.lastName };
  }
  throw new InvalidInputError(
    "a prospect search needs an email, a phone, or a first and a last name",
  );
}

/** A lookup record as `{id, name}`; null when it has no usable ID. */
function lookupOf(record: Record<string, unknown>): ResmanLookup | null {
  const { ID: id, Name: name } = record;
  if (typeof id !== "string" && typeof id !== "number") return null;
  if (String(id).trim() === "") return null;
  return { id: String(id), name: typeof name === "string" ? name : "" };
}

/** A `GuestCardPort` over ResMan's v1 API (see the module header). */
export function createGuestCardClient(options: GuestCardClientOptions): GuestCardPort {
  const http = createResmanWriteHttp(transportOptions(options));

  /**
   * Sends a Lead Management document and checks the answer's envelope; resolves with the
   * answer. `personal`: the values to blank out of ResMan's words.
   */
  async function post(
    property: ResmanPropertyAccess,
    xml: string,
    personal: readonly string[],
  ): Promise<ResmanReply> {
    const reply = await http.write(targetOf(property), {
      api: "v1",
      path: POST_LEAD,
      form: { Xml: xml },
      accept: "application/xml",
    });
    const envelope = v1XmlEnvelope.safeParse(parseV1Xml(reply.body));
    if (!envelope.success) {
      throw new GuestCardOutcomeUnknownError(reply.call, 200, "HTTP 200 without a ResMan envelope");
    }
    const { Status, ErrorDescription } = envelope.data.ResMan;
    expectSuccess(reply.call, Status, ErrorDescription, (text) => http.detail(text, personal));
    return reply;
  }

  async function lookups(
    property: ResmanPropertyAccess,
    path: Extract<V1JsonPath, "/Leasing/GetProspectSources" | "/Leasing/GetEmployees">,
  ): Promise<ResmanLookup[]> {
    const reply = await http.read(targetOf(property), {
      api: "v1",
      path,
      form: {},
      accept: "application/json",
    });
    const envelope = parseJsonBody(reply.call, reply.body, v1JsonEnvelope);
    expectSuccess(reply.call, envelope.Status, envelope.ErrorDescription, http.detail);
    const records =
      path === "/Leasing/GetProspectSources"
        ? checkBody(reply.call, envelope, v1ProspectSourcesBody).ProspectSources
        : checkBody(reply.call, envelope, v1EmployeesBody).Employees;
    return (records ?? []).flatMap((record) => lookupOf(record) ?? []);
  }

  return {
    async searchProspects(property, search): Promise<FoundProspect[]> {
      const form = searchForm(search);
      const reply = await http.read(targetOf(property), {
        api: "v1",
        path: "/MITS/SearchProspects",
        form,
        accept: "application/xml",
      });
      return foundProspects(prospectsOfAnswer(http, reply));
    },

    async createGuestCard(property, card): Promise<GuestCardIds> {
      const { customer, event } = card;
      const personal = personalValues([
        customer.firstName,
        customer.lastName,
        customer.email,
        customer.phone?.number,
        event.comments,
      ]);
      const reply = await post(property, createDocument(card), personal);
      const ids = idsFromAnswer(reply.body);
      if (ids === null) {
        throw new GuestCardOutcomeUnknownError(
          reply.call,
          200,
          "HTTP 200 Success without a ProspectID and a PersonID",
        );
      }
      return ids;
    },

    async addProspectEvent(property, prospect: GuestCardIds, event: LeadEvent): Promise<void> {
      await post(property, eventDocument(prospect, event), personalValues([event.comments]));
    },

    prospectSources: (property) => lookups(property, "/Leasing/GetProspectSources"),
    employees: (property) => lookups(property, "/Leasing/GetEmployees"),
  };
}
