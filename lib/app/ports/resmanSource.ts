/**
 * The ResMan API as the reconciliation reads it: people changed in a time window, and the full
 * roster of applicants and residents. Read-only by construction: nothing here writes to ResMan.
 * The adapters (`lib/adapters/resman/`) speak v2 (JSON) or v1 (form POST, XML/JSON) and return
 * people already in the sync path's person contract.
 */
import type { IncrementalResource, ResmanApi, ResmanWindow } from "../../domain/reconcileRun.js";
import type { ResmanPeople } from "../../domain/resmanTally.js";

export {
  type IncrementalResource,
  type ResmanApi,
  type ResmanResource,
  type ResmanWindow,
  resmanApis,
  resmanResources,
} from "../../domain/reconcileRun.js";
/**
 * People read from ResMan (`lib/domain/resmanTally.ts`): a record that cannot become a person
 * (no PersonID, a status the mapping does not know, a value over the contract's limits) is left
 * out and counted in `unreadable`, with its reason code (never a value) in `reasons`.
 */
export type { ResmanPeople };

/** Where a property's people are read from. */
export interface ResmanPropertyAccess {
  /** ResMan PropertyID (GUID). */
  resmanPropertyId: string;
  /** ResMan AccountID. */
  resmanAccountId: number;
  api: ResmanApi;
}

export interface ResmanSource {
  /** The incremental resources an API offers (v2: prospects and leases; v1: prospects). */
  incrementalResources(api: ResmanApi): readonly IncrementalResource[];
  /**
   * Every person of `resource` modified in the window, in the person contract (`last_modified`
   * from the record). A person on several records comes once per record.
   */
  changedPeople(
    property: ResmanPropertyAccess,
    resource: IncrementalResource,
    window: ResmanWindow,
  ): Promise<ResmanPeople>;
  /**
   * The full roster of applicants and residents, in the person contract without `last_modified`
   * (ResMan gives none: the caller stamps the people it syncs).
   */
  roster(property: ResmanPropertyAccess): Promise<ResmanPeople>;
}
