/**
 * The reconcile queue's message: one registered property to reconcile. The schedule
 * (`functions/reconcile.ts`) sends one per enabled property; the reconcile worker
 * (`functions/reconcile-worker.ts`) runs one property's reconciliation per message. Unknown
 * fields are ignored. It carries ids only: the worker reads the property from the registry.
 */

import { guidSchema as guid } from "./person.js";
import * as z from "./zod.js";

export const reconcileMessageSchema = z.object({
  /** contact-sync's property id. */
  property_id: guid,
  /** ResMan's PropertyID, as the registry had it when the message was sent. */
  resman_property_id: guid,
  /** Re-read everything since `RECONCILE_BACKFILL_SINCE`, roster included. */
  full: z._default(z.boolean(), false),
});
export type ReconcileMessage = z.output<typeof reconcileMessageSchema>;
