DROP INDEX "idx_user_email_key";--> statement-breakpoint
DROP INDEX "idx_user_name_dob_key";--> statement-breakpoint
CREATE INDEX "idx_user_email_key_unblocked" ON "user" USING btree ("email_key","property_id") WHERE cardinality("user"."block_keys") = 0;--> statement-breakpoint
CREATE INDEX "idx_user_name_dob_key_unblocked" ON "user" USING btree ("name_dob_key","property_id") WHERE cardinality("user"."block_keys") = 0;