-- A contact's blocking keys qualified by its property (`<the property id's first 8 hex digits>/<key>`:
-- the whole id made the index 1.8 times as big; two properties sharing 8 digits would only
-- share each other's lookups, which keep to their property anyway), for the GIN index
-- the candidate lookups use (next migration). Indexed as they are, the keys were shared by every
-- property: a lookup of a common surname's key read the matching contacts of the whole
-- portfolio and kept those of one property, so a property's import slowed with every property
-- the database held (six properties of 20,000 different people each: 27.5 → 31.8 s from the
-- first to the sixth). Qualified, a lookup reads its own property's contacts only.
-- IMMUTABLE: the result depends on the arguments alone (an index expression must be).
CREATE FUNCTION block_keys_in_property(property uuid, keys text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT array(SELECT left(property::text, 8) || '/' || key FROM unnest(keys) AS key) $$;
