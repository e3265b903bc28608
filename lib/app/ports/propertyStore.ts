import type { MatchingCriteria } from "../../domain/rules.js";
import type { MergeStrategy } from "../../domain/survivorship.js";

/** What the sync path needs to know about a property. */
export interface PropertyContext {
  id: string;
  name: string;
  resmanPropertyId: string | null;
  resmanAccountId: number | null;
  countryCode: string;
  officePhone: string | null;
  mergeStrategy: MergeStrategy;
  /** The property's stored criteria when valid, else the built-in defaults. */
  matchingCriteria: MatchingCriteria;
}

export interface ResmanPropertyRef {
  resmanPropertyId: string;
  resmanAccountId?: number | undefined;
  /** Used only when the property is created (default: "ResMan property <GUID>"). */
  name?: string | undefined;
  /** Used only when the property is created. */
  officePhone?: string | undefined;
}

export interface PropertyStore {
  /** The property with this ResMan property id, created (named after the id) when missing. */
  ensureResmanProperty(ref: ResmanPropertyRef): Promise<PropertyContext>;
  /** A property by its own id or its ResMan property id. */
  findProperty(idOrResmanId: string): Promise<PropertyContext | null>;
}
