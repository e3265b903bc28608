-- A link's contact is checked once, by contact_sync_user_property_fkey ((user_id, property_id),
-- which also cascades a contact's deletion): the key on user_id alone checked the same row again
-- on every link written. Measured with bench:import's write floor (README, Performance).
ALTER TABLE "contact_sync" DROP CONSTRAINT "contact_sync_user_id_fkey";
