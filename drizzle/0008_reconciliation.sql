CREATE TABLE "reconcile_cursor" (
	"property_id" uuid NOT NULL,
	"resource" varchar(20) NOT NULL,
	"read_until" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "reconcile_cursor_pkey" PRIMARY KEY("property_id","resource"),
	CONSTRAINT "chk_reconcile_cursor_resource" CHECK ("reconcile_cursor"."resource" IN ('prospects', 'leases', 'roster'))
);
--> statement-breakpoint
CREATE TABLE "reconcile_roster" (
	"property_id" uuid NOT NULL,
	"resman_contact_id" varchar(100) NOT NULL,
	"status" varchar(20) NOT NULL,
	"digest" text NOT NULL,
	CONSTRAINT "reconcile_roster_pkey" PRIMARY KEY("property_id","resman_contact_id")
);
--> statement-breakpoint
CREATE TABLE "reconcile_run" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"property_id" uuid NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"status" varchar(20) NOT NULL,
	"full" boolean DEFAULT false NOT NULL,
	"enqueued" integer DEFAULT 0 NOT NULL,
	"fetched" integer DEFAULT 0 NOT NULL,
	"created" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"merged" integer DEFAULT 0 NOT NULL,
	"unchanged" integer DEFAULT 0 NOT NULL,
	"deactivated" integer DEFAULT 0 NOT NULL,
	"review" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"unreadable" integer DEFAULT 0 NOT NULL,
	"cursors_before" jsonb NOT NULL,
	"cursors_after" jsonb,
	"errors" jsonb,
	CONSTRAINT "chk_reconcile_run_status" CHECK ("reconcile_run"."status" IN ('running', 'ok', 'partial', 'failed', 'auth_failed'))
);
--> statement-breakpoint
ALTER TABLE "property" ADD COLUMN "resman_api" varchar(2) DEFAULT 'v2' NOT NULL;--> statement-breakpoint
ALTER TABLE "property" ADD COLUMN "reconcile_enabled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "property" ADD COLUMN "reconcile_claimed_by" uuid;--> statement-breakpoint
ALTER TABLE "property" ADD COLUMN "reconcile_claimed_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "reconcile_cursor" ADD CONSTRAINT "reconcile_cursor_property_id_fkey" FOREIGN KEY ("property_id") REFERENCES "public"."property"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconcile_roster" ADD CONSTRAINT "reconcile_roster_property_id_fkey" FOREIGN KEY ("property_id") REFERENCES "public"."property"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconcile_run" ADD CONSTRAINT "reconcile_run_property_id_fkey" FOREIGN KEY ("property_id") REFERENCES "public"."property"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_reconcile_run_property_started" ON "reconcile_run" USING btree ("property_id","started_at");--> statement-breakpoint
ALTER TABLE "property" ADD CONSTRAINT "chk_property_resman_api" CHECK ("property"."resman_api" IN ('v2', 'v1'));