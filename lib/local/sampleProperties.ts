/**
 * The properties of the bundled sample (`lib/local/sample/`): who they are for `npm start`, and
 * how their files are generated (`npm run sample`).
 */
import type { PostalAddress } from "./peopleGenerator.js";

/** A property of the sample and what its file holds. */
export interface SampleProperty {
  /** ResMan property GUID: the file is `<GUID>.csv`. */
  resmanPropertyId: string;
  /** The community's name (the property row's `name`). */
  name: string;
  /** Label of the true person ids in this property's data (`<label>-<n>`). */
  label: string;
  seed: number;
  rows: number;
  address: PostalAddress;
  /** The office's phone (ten digits): some rows carry it instead of the person's. */
  officePhone: string;
}

/** Two fictional communities; the GUIDs are fixed so that re-runs and docs stay stable. */
export const sampleProperties = [
  {
    resmanPropertyId: "4a03196c-86d3-43fb-b689-af2605007f52",
    name: "Cedar Hollow",
    label: "cedar",
    seed: 20_261_101,
    rows: 220,
    address: {
      line1: "2400 Cedar Hollow Dr",
      line2: null,
      city: "Austin",
      state: "TX",
      postalCode: "78745",
    },
    officePhone: "5125550100",
  },
  {
    resmanPropertyId: "b90dfa5b-4e67-4f72-9a57-23fac76bf946",
    name: "Riverbend",
    label: "river",
    seed: 20_261_102,
    rows: 180,
    address: {
      line1: "815 Riverbend Pkwy",
      line2: null,
      city: "Austin",
      state: "TX",
      postalCode: "78702",
    },
    officePhone: "7375550100",
  },
] as const satisfies readonly SampleProperty[];
