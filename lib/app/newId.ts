/**
 * The ids the app gives the rows it creates (contacts, outbox events, review moves): UUID
 * version 7 (RFC 9562), time-ordered and strictly increasing within one process (`uuidv7`'s
 * generator keeps a counter within a millisecond). Contacts one import wave creates share the
 * statement's `created_at`; `chooseCandidate` breaks that tie by id, so it goes to the contact
 * made first, as on the per-person path, and the same file gives the same contacts run after
 * run. New ids also land at the right edge of the primary-key index instead of all over it.
 */
export { uuidv7 as newId } from "uuidv7";
