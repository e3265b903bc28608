/**
 * Everything the ResMan stand-in holds: the seeded data (replaced on reset), the faults in
 * force, the call log, the write log (with the guest cards' events), and the seeded stream new
 * ids are drawn from.
 */
import { mulberry32, type Random } from "../peopleGenerator.js";
import { CallLog } from "./calls.js";
import { FaultBook } from "./faults.js";
import type { StubData } from "./model.js";
import { streamSeed } from "./random.js";
import { ADMIN_STREAM, type SeedOptions, seedData } from "./seed.js";
import { WriteLog } from "./writes.js";

/** Everything the stand-in holds. */
export class StubState {
  data: StubData;
  ids: Random;
  units = 0;
  readonly faults = new FaultBook();
  readonly calls = new CallLog();
  readonly writes = new WriteLog();

  constructor(
    readonly seed: SeedOptions,
    readonly clock: () => Date,
  ) {
    this.data = seedData(seed);
    this.ids = mulberry32(streamSeed(seed.seed, ADMIN_STREAM));
  }

  reset(): void {
    this.data = seedData(this.seed);
    this.ids = mulberry32(streamSeed(this.seed.seed, ADMIN_STREAM));
    this.units = 0;
    this.faults.clear();
    this.calls.clear();
    this.writes.reset();
  }
}
