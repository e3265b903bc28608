-- The blocking keys' GIN index by property (see 0012): the lookups ask
-- `block_keys_in_property(property_id, block_keys) && block_keys_in_property(<property>, <keys>)`.
DROP INDEX "idx_user_block_keys";--> statement-breakpoint
CREATE INDEX "idx_user_block_keys_in_property" ON "user" USING gin (block_keys_in_property("property_id", "block_keys")) WITH (fastupdate=false);