/** Injectable "now": anything that depends on the time takes a Clock, so tests can fix it. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
