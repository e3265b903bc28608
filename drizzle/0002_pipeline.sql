CREATE TABLE "outbox_event" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_type" varchar(50) NOT NULL,
	"property_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"link_id" uuid,
	"resman_person_id" varchar(100),
	"status" varchar(50) NOT NULL,
	"match_score" double precision,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"claimed_until" timestamp with time zone,
	"published_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "chk_outbox_event_type" CHECK ("outbox_event"."event_type" IN ('contact.synced', 'contact.merged', 'contact.review_required'))
);
--> statement-breakpoint
ALTER TABLE "contact_enrichment_log" ADD COLUMN "conversation_id" varchar(200);--> statement-breakpoint
ALTER TABLE "contact_enrichment_log" ADD COLUMN "event_id" varchar(200);--> statement-breakpoint
ALTER TABLE "contact_enrichment_log" ADD COLUMN "property_id" uuid;--> statement-breakpoint
CREATE INDEX "idx_outbox_event_unpublished" ON "outbox_event" USING btree ("created_at") WHERE "outbox_event"."published_at" IS NULL;--> statement-breakpoint
CREATE INDEX "idx_contact_enrichment_log_conversation" ON "contact_enrichment_log" USING btree ("conversation_id","property_id");