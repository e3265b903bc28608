import { fileURLToPath } from "node:url";

/** Where the bundled sample lives: one `<ResMan property GUID>.csv` per property. */
export const sampleFolder = fileURLToPath(new URL("./sample", import.meta.url));
