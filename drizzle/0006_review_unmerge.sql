ALTER TABLE "contact_review" DROP CONSTRAINT "chk_contact_review_status";--> statement-breakpoint
ALTER TABLE "outbox_event" DROP CONSTRAINT "chk_outbox_event_type";--> statement-breakpoint
ALTER TABLE "outbox_event" ADD COLUMN "merged_contact_id" uuid;--> statement-breakpoint
ALTER TABLE "contact_review" ADD CONSTRAINT "chk_contact_review_status" CHECK ("contact_review"."status" IN ('open', 'approved', 'rejected', 'superseded'));--> statement-breakpoint
ALTER TABLE "outbox_event" ADD CONSTRAINT "chk_outbox_event_type" CHECK ("outbox_event"."event_type" IN ('contact.synced', 'contact.merged', 'contact.review_required', 'contact.unmerged'));