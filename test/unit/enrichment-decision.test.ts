/**
 * The enrichment decision's choice of contact: the scored matcher first; for an event that
 * names nobody, the one contact holding its email or phone; else a new lead (with a review item
 * when the best candidate scored in the review band).
 */
import { describe, expect, it } from "vitest";
import type { Contact } from "../../lib/domain/contact.js";
import { chatbotIdentity, decideEnrichment } from "../../lib/domain/enrichmentDecision.js";
import type { ChatbotEvent } from "../../lib/domain/events.js";
import { contact } from "../fixtures/contacts.js";

const CONTEXT = { countryCode: "US", officePhone: null, now: new Date("2026-11-01T00:00:00Z") };

function event(contactBlock: ChatbotEvent["detail"]["contact"]): ChatbotEvent {
  return {
    detail_type: "Preferences Updated",
    detail: {
      event_id: "7b0f3c52-1d4e-4a8b-9c6d-2e5f7a9b1c3d",
      property_id: "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
      conversation_id: "conv-1",
      occurred_at: "2026-11-01T00:00:00Z",
      contact: contactBlock,
      preferences: { bedrooms: 2 },
    },
  } as ChatbotEvent;
}

function decide(e: ChatbotEvent, candidates: Contact[]) {
  return decideEnrichment({
    event: e,
    identity: chatbotIdentity(e, CONTEXT),
    candidates,
    conversationContact: null,
    strategy: "resman_wins",
    newContactId: "lead-new",
  });
}

const quill = { firstName: "Avery", lastName: "Quill", email: "avery.quill@mailbox.dev" };

describe("decideEnrichment", () => {
  it("an event with only an email enriches the one contact holding it", () => {
    const decision = decide(event({ email: "AVERY.QUILL@mailbox.dev" }), [contact("c1", quill)]);
    expect(decision.foundBy).toBe("match");
    expect(decision.contact.id).toBe("c1");
    expect(decision.review).toBeNull();
  });

  it("an email held by two contacts (a household's) makes a lead, never a guess", () => {
    const decision = decide(event({ email: quill.email }), [
      contact("c1", quill),
      contact("c2", { ...quill, firstName: "Robin" }),
    ]);
    expect(decision.foundBy).toBe("created");
    expect(decision.contact).toMatchObject({ id: "lead-new", isNew: true, kind: "lead" });
  });

  it("an event that names someone else on that email is scored: never merged into the holder", () => {
    const decision = decide(event({ email: quill.email, first_name: "Robin" }), [
      contact("c1", quill),
    ]);
    expect(decision.contact.id).toBe("lead-new");
    expect(decision.foundBy).toBe("created");
    // The holder was scored, and the shared email with another first name is the household
    // guard's case.
    expect(decision.evidence.best?.hold?.guard).toBe("first_name_differs");
    // Nothing but the shared email speaks for the holder (13, less 6.5 for the first name):
    // below the review band, so not even a review item.
    expect(decision.evidence.best?.score).toBeLessThan(
      decision.evidence.best?.thresholds.review ?? 0,
    );
    expect(decision.review).toBeNull();
  });

  it("an event with the holder's full name but another email and phone proposes the pair for review", () => {
    const holder = contact("c1", {
      ...quill,
      phones: { mobile: { raw: "512-555-0142", e164: "+15125550142" } },
    });
    const decision = decide(
      event({
        first_name: "Avery",
        last_name: "Quill",
        email: "avery.quil@mailbox.dev",
        phone: "512-555-0143",
      }),
      [holder],
    );
    // Both contact points present and differing: never merged on the name alone, a review item.
    expect(decision.evidence.best?.hold?.guard).toBe("contact_points_differ");
    expect(decision.contact).toMatchObject({ id: "lead-new", kind: "lead" });
    expect(decision.review).toMatchObject({ candidateId: "c1" });
    expect(decision.review?.score).toBe(decision.evidence.best?.score);
  });

  it("an event naming the holder merges by score", () => {
    const decision = decide(event({ email: quill.email, first_name: "Avery" }), [
      contact("c1", quill),
    ]);
    expect(decision).toMatchObject({ foundBy: "match", review: null });
    expect(decision.contact.id).toBe("c1");
  });
});
