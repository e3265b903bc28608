CREATE TABLE "guest_card_push" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"property_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"link_id" uuid,
	"key" varchar(200) NOT NULL,
	"status" varchar(20) NOT NULL,
	"outcome" varchar(30),
	"resman_prospect_id" varchar(100),
	"resman_person_id" varchar(100),
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now(),
	"updated_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "uq_guest_card_push_key" UNIQUE("property_id","key"),
	CONSTRAINT "chk_guest_card_push_status" CHECK ("guest_card_push"."status" IN ('sending', 'sent', 'unknown', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "property" ADD COLUMN "push_guest_cards" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "property" ADD COLUMN "push_source_id" varchar(100);--> statement-breakpoint
ALTER TABLE "property" ADD COLUMN "push_agent_id" varchar(100);--> statement-breakpoint
ALTER TABLE "guest_card_push" ADD CONSTRAINT "guest_card_push_property_id_fkey" FOREIGN KEY ("property_id") REFERENCES "public"."property"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guest_card_push" ADD CONSTRAINT "guest_card_push_user_fkey" FOREIGN KEY ("user_id","property_id") REFERENCES "public"."user"("id","property_id") ON DELETE cascade ON UPDATE no action;