-- Room on every page of the contact table for its rows' next versions. A contact is updated
-- again and again (each record of the person, each field change) and most updates change no
-- indexed column: with room on its page the new version is a heap-only tuple — no new entries
-- in the table's six indexes, dead versions pruned as the page is read — instead of a
-- version on another page that every index (the blocking keys' GIN above all) points to until a
-- vacuum. Measured on the duplicate-heavy import (README, Performance): 87 → 74 s.
-- Rows written before this migration keep their pages as they are.
ALTER TABLE "user" SET (fillfactor = 80);
