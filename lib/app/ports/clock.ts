/** Time, as the use cases read it (tests pass fixed clocks). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
