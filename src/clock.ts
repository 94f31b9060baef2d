// Time as a side effect that comes in from the edge: the CLI passes the real clock, tests pass one
// that jumps, so waiting for HiveMQ's 10-second reload costs a unit test nothing.

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Milliseconds since `start` on this clock. */
export function elapsedMs(clock: Clock, start: Date): number {
  return clock.now().getTime() - start.getTime();
}
