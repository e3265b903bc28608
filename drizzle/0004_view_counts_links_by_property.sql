DROP VIEW "public"."contact_sync_success_rate";--> statement-breakpoint
CREATE VIEW "public"."contact_sync_success_rate" AS (
  SELECT
    p.id AS property_id,
    COUNT(cs.id) FILTER (WHERE cs.sync_status IN ('success', 'merged'))::float
      / NULLIF(COUNT(cs.id), 0) * 100 AS sync_success_rate,
    COUNT(cs.id) FILTER (WHERE cs.sync_status = 'merged')::integer AS merged_contacts
  FROM property p
  LEFT JOIN contact_sync cs ON cs.property_id = p.id
  GROUP BY p.id);