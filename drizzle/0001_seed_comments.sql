-- Hand-written: drizzle-kit cannot express table comments. The seed's comments, kept.
COMMENT ON TABLE "contact_sync" IS 'Tracks contact sync status between DomIQ and ResMan';--> statement-breakpoint
COMMENT ON TABLE "contact_matching_rules" IS 'Defines rules for matching and merging contacts';--> statement-breakpoint
COMMENT ON TABLE "contact_enrichment_log" IS 'Logs enrichment data added to contacts';--> statement-breakpoint
COMMENT ON TABLE "user" IS 'The golden contact: one per real person per property';--> statement-breakpoint
COMMENT ON TABLE "property" IS 'An apartment community; ResMan property id and account id identify it in ResMan';--> statement-breakpoint
COMMENT ON TABLE "processed_event" IS 'Inbox of processed event ids: a redelivered event changes nothing';--> statement-breakpoint
COMMENT ON TABLE "contact_merge_history" IS 'One row per merge, with the values it replaced, so every merge can be undone';
