-- Hand-written: the function of the blocking keys' index (migration 0012) marked PARALLEL UNSAFE,
-- so that no statement using it is planned with parallel workers. Its lookups read a few rows
-- each, once per person of a read, but once the contact table was large (a 541 MB table at
-- 257,000 contacts) the planner estimated thousands of rows for each and chose a Gather with
-- two workers inside the per-person loop: two processes started for every person, ~9 ms each
-- (a read of 100 persons 950 ms instead of 100–180 ms; the million-row import fell from ~850
-- to ~60 rows/s at 300,000 rows). The label has no other effect: the function stays IMMUTABLE.
ALTER FUNCTION block_keys_in_property(uuid, text[]) PARALLEL UNSAFE;
