CREATE TABLE "identity_key" (
	"key_id" bigint PRIMARY KEY NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "user" ADD COLUMN "version" integer DEFAULT 0 NOT NULL;