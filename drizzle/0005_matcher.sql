CREATE TABLE "contact_review" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"property_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"candidate_id" uuid NOT NULL,
	"link_id" uuid,
	"score" double precision NOT NULL,
	"evidence" jsonb NOT NULL,
	"status" varchar(20) DEFAULT 'open' NOT NULL,
	"decided_at" timestamp with time zone,
	"decided_by" text,
	"merge_id" uuid,
	"created_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "chk_contact_review_status" CHECK ("contact_review"."status" IN ('open', 'approved', 'rejected'))
);
--> statement-breakpoint
ALTER TABLE "contact_merge_history" ADD COLUMN "incoming" jsonb;--> statement-breakpoint
ALTER TABLE "user" ADD COLUMN "block_keys" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "user" ADD COLUMN "secondary" jsonb DEFAULT '{"emails":[],"phones":[]}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "contact_review" ADD CONSTRAINT "contact_review_property_id_fkey" FOREIGN KEY ("property_id") REFERENCES "public"."property"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_review" ADD CONSTRAINT "contact_review_user_fkey" FOREIGN KEY ("user_id","property_id") REFERENCES "public"."user"("id","property_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_review" ADD CONSTRAINT "contact_review_candidate_fkey" FOREIGN KEY ("candidate_id","property_id") REFERENCES "public"."user"("id","property_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "uq_contact_review_pair" ON "contact_review" USING btree ("property_id",least("user_id", "candidate_id"),greatest("user_id", "candidate_id"));--> statement-breakpoint
CREATE INDEX "idx_contact_review_open" ON "contact_review" USING btree ("property_id","created_at") WHERE "contact_review"."status" = 'open';--> statement-breakpoint
CREATE INDEX "idx_contact_review_candidate" ON "contact_review" USING btree ("candidate_id");--> statement-breakpoint
CREATE INDEX "idx_user_block_keys" ON "user" USING gin ("block_keys") WITH (fastupdate=false);