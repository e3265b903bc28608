CREATE TABLE "contact_enrichment_log" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"contact_id" uuid,
	"enrichment_type" varchar(50),
	"enriched_data" jsonb,
	"source" varchar(50),
	"created_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "chk_enrichment_type" CHECK ("contact_enrichment_log"."enrichment_type" IN ('conversation_data', 'preferences', 'interaction_history')),
	CONSTRAINT "contact_enrichment_log_source_check" CHECK ("contact_enrichment_log"."source" IN ('chatbot', 'resman', 'manual'))
);
--> statement-breakpoint
CREATE TABLE "contact_matching_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"property_id" uuid,
	"matching_criteria" jsonb NOT NULL,
	"merge_strategy" varchar(50),
	"created_at" timestamp with time zone DEFAULT now(),
	"updated_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "chk_merge_strategy" CHECK ("contact_matching_rules"."merge_strategy" IN ('resman_wins', 'domiq_wins', 'manual_review'))
);
--> statement-breakpoint
CREATE TABLE "contact_merge_history" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"property_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"merged_user_id" uuid,
	"link_id" uuid,
	"resman_contact_id" varchar(100),
	"before" jsonb NOT NULL,
	"applied" jsonb NOT NULL,
	"match_score" double precision,
	"match_evidence" jsonb,
	"created_at" timestamp with time zone DEFAULT now(),
	"reverted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "contact_sync" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid,
	"resman_contact_id" varchar(100),
	"sync_status" varchar(50) DEFAULT 'pending',
	"last_sync_at" timestamp with time zone DEFAULT now(),
	"created_at" timestamp with time zone DEFAULT now(),
	"updated_at" timestamp with time zone DEFAULT now(),
	"property_id" uuid NOT NULL,
	"resman_status" varchar(20),
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"source_updated_at" timestamp with time zone,
	"source_hash" varchar(64),
	"match_score" double precision,
	"match_evidence" jsonb,
	CONSTRAINT "chk_contact_sync_status" CHECK ("contact_sync"."sync_status" IN ('pending', 'success', 'failed', 'merged'))
);
--> statement-breakpoint
CREATE TABLE "processed_event" (
	"event_id" varchar(200) NOT NULL,
	"source" varchar(30) NOT NULL,
	"property_id" uuid,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "processed_event_pkey" PRIMARY KEY("source","event_id")
);
--> statement-breakpoint
CREATE TABLE "property" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"resman_account_id" integer,
	"resman_property_id" uuid,
	"timezone" text,
	"country_code" varchar(2) DEFAULT 'US' NOT NULL,
	"office_phone" text,
	"created_at" timestamp with time zone DEFAULT now(),
	"updated_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "property_resman_account_property_key" UNIQUE("resman_account_id","resman_property_id")
);
--> statement-breakpoint
CREATE TABLE "user" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"property_id" uuid NOT NULL,
	"first_name" text,
	"middle_name" text,
	"last_name" text,
	"email" text,
	"phones" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"date_of_birth" date,
	"address_line1" text,
	"address_line2" text,
	"city" text,
	"state" text,
	"postal_code" text,
	"kind" varchar(20) DEFAULT 'lead' NOT NULL,
	"is_dependent" boolean,
	"email_key" text,
	"phone_keys" text[] DEFAULT '{}'::text[] NOT NULL,
	"name_dob_key" text,
	"merged_into_id" uuid,
	"field_sources" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now(),
	"updated_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "user_id_property_key" UNIQUE("id","property_id"),
	CONSTRAINT "chk_user_kind" CHECK ("user"."kind" IN ('prospect', 'applicant', 'resident', 'former', 'lead'))
);
--> statement-breakpoint
ALTER TABLE "contact_enrichment_log" ADD CONSTRAINT "contact_enrichment_log_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_matching_rules" ADD CONSTRAINT "contact_matching_rules_property_id_fkey" FOREIGN KEY ("property_id") REFERENCES "public"."property"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_merge_history" ADD CONSTRAINT "contact_merge_history_user_fkey" FOREIGN KEY ("user_id","property_id") REFERENCES "public"."user"("id","property_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_merge_history" ADD CONSTRAINT "contact_merge_history_property_id_fkey" FOREIGN KEY ("property_id") REFERENCES "public"."property"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_merge_history" ADD CONSTRAINT "contact_merge_history_link_id_fkey" FOREIGN KEY ("link_id") REFERENCES "public"."contact_sync"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_sync" ADD CONSTRAINT "contact_sync_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_sync" ADD CONSTRAINT "contact_sync_property_id_fkey" FOREIGN KEY ("property_id") REFERENCES "public"."property"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_sync" ADD CONSTRAINT "contact_sync_user_property_fkey" FOREIGN KEY ("user_id","property_id") REFERENCES "public"."user"("id","property_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "processed_event" ADD CONSTRAINT "processed_event_property_id_property_id_fk" FOREIGN KEY ("property_id") REFERENCES "public"."property"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user" ADD CONSTRAINT "user_property_id_fkey" FOREIGN KEY ("property_id") REFERENCES "public"."property"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user" ADD CONSTRAINT "user_merged_into_fkey" FOREIGN KEY ("merged_into_id","property_id") REFERENCES "public"."user"("id","property_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_contact_enrichment_log_contact" ON "contact_enrichment_log" USING btree ("contact_id","enrichment_type");--> statement-breakpoint
CREATE INDEX "idx_contact_matching_rules_property" ON "contact_matching_rules" USING btree ("property_id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_contact_matching_rules_property" ON "contact_matching_rules" USING btree ("property_id");--> statement-breakpoint
CREATE INDEX "idx_contact_merge_history_user" ON "contact_merge_history" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idx_contact_sync_status" ON "contact_sync" USING btree ("sync_status","last_sync_at");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_contact_sync_property_resman_contact" ON "contact_sync" USING btree ("property_id","resman_contact_id");--> statement-breakpoint
CREATE INDEX "idx_contact_sync_user" ON "contact_sync" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_property_resman_property" ON "property" USING btree ("resman_property_id");--> statement-breakpoint
CREATE INDEX "idx_user_email_key" ON "user" USING btree ("email_key","property_id");--> statement-breakpoint
CREATE INDEX "idx_user_name_dob_key" ON "user" USING btree ("name_dob_key","property_id");--> statement-breakpoint
CREATE INDEX "idx_user_phone_keys" ON "user" USING gin ("phone_keys") WITH (fastupdate=false);--> statement-breakpoint
CREATE VIEW "public"."contact_sync_success_rate" AS (
  SELECT
    p.id AS property_id,
    COUNT(cs.id) FILTER (WHERE cs.sync_status IN ('success', 'merged'))::float
      / NULLIF(COUNT(cs.id), 0) * 100 AS sync_success_rate,
    COUNT(cs.id) FILTER (WHERE cs.sync_status = 'merged')::integer AS merged_contacts
  FROM property p
  LEFT JOIN "user" u ON u.property_id = p.id
  LEFT JOIN contact_sync cs ON cs.user_id = u.id
  GROUP BY p.id);