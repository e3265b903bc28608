/**
 * The ResMan stand-in's record of the writes it was sent, and the events of its guest cards.
 *
 * The write log holds one entry per v1 `MITS/PostLeadManagement4_0` request that passed the
 * credential check, made or refused: `create` (a new guest card), `event` (an event added to an
 * existing prospect) or `rejected` (with the `ErrorDescription` answered). Each entry holds the
 * fields the document gave, as sent, so tests can prove what was and was not written; it is a
 * local test tool, so it may hold a fictional person's values, but never the credentials. A
 * request a fault answered before the API did never reaches it (see `calls.ts` for those).
 *
 * The events of a guest card are kept per ProspectID, oldest first: the one a create brings and
 * every one added later. Both are cleared on reset.
 */

/** A phone as the document gave it: its type attribute (`PhoneType` or `Type`) and number. */
export interface LeadPhone {
  type: string | null;
  number: string;
}

/** The fields of a Lead Management document, each null when the document did not give it. */
export interface LeadFields {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phones: LeadPhone[];
  eventType: string | null;
  eventDate: string | null;
  /** `TransactionSource`: a prospect source ID. */
  source: string | null;
  /** `Agent/AgentID/@IDValue`: an employee ID. */
  agent: string | null;
  firstContact: boolean | null;
  comments: string | null;
  targetMoveInDate: string | null;
  desiredBedrooms: string | null;
  desiredRent: string | null;
}

export type StubWriteKind = "create" | "event" | "rejected";

export interface StubWrite {
  /** When the write arrived (the stand-in's clock), ISO-8601. */
  at: string;
  method: "PostLeadManagement4_0";
  propertyId: string | null;
  kind: StubWriteKind;
  /** The guest card made or named, if any. */
  prospectId: string | null;
  personId: string | null;
  /** `rejected`: the `ErrorDescription` answered. */
  error: string | null;
  /** The document's fields; null when the document could not be read at all. */
  fields: LeadFields | null;
}

/** An event on a guest card, as the stand-in keeps it. */
export interface StubLeadEvent {
  prospectId: string;
  personId: string;
  eventType: string;
  eventDate: string;
  /** The prospect source ID. */
  source: string;
  agent: string | null;
  firstContact: boolean | null;
  comments: string | null;
  /** When the stand-in recorded it (its clock), ISO-8601. */
  recordedAt: string;
}

const copyWrite = (write: StubWrite): StubWrite => ({
  ...write,
  fields:
    write.fields === null
      ? null
      : {
          ...write.fields,
          phones: write.fields.phones.map((phone) => ({ ...phone })),
        },
});

export class WriteLog {
  private writes: StubWrite[] = [];
  private events = new Map<string, StubLeadEvent[]>();

  record(write: StubWrite): void {
    this.writes.push(write);
  }

  list(): StubWrite[] {
    return this.writes.map(copyWrite);
  }

  clear(): void {
    this.writes = [];
  }

  addEvent(event: StubLeadEvent): void {
    const key = event.prospectId.toLowerCase();
    const list = this.events.get(key) ?? [];
    list.push(event);
    this.events.set(key, list);
  }

  /** A guest card's events, oldest first (copies). */
  eventsOf(prospectId: string): StubLeadEvent[] {
    return (this.events.get(prospectId.toLowerCase()) ?? []).map((event) => ({ ...event }));
  }

  /** Forgets the writes and the events. */
  reset(): void {
    this.writes = [];
    this.events.clear();
  }
}
