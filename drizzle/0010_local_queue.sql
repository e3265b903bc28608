CREATE TABLE "local_queue_message" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"queue" varchar(80) NOT NULL,
	"body" text NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	"visible_at" timestamp with time zone DEFAULT now() NOT NULL,
	"receive_count" integer DEFAULT 0 NOT NULL,
	"first_received_at" timestamp with time zone,
	"last_error" varchar(80),
	"source_queue" varchar(80),
	"dead_lettered_at" timestamp with time zone,
	CONSTRAINT "chk_local_queue_message_receive_count" CHECK ("local_queue_message"."receive_count" >= 0)
);
--> statement-breakpoint
CREATE INDEX "idx_local_queue_message_receive" ON "local_queue_message" USING btree ("queue","visible_at");