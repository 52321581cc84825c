/** Injectable time source: tests drive time; production reads the system clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current = Date.parse('2026-11-29T02:00:00Z')) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}

/**
 * The system clock running `factor` times faster from the moment it is made: a hub on it lives
 * minutes of heartbeats and timeouts in seconds (the quiet-start test, demos of escalation).
 */
export class ScaledClock implements Clock {
  private readonly realStart = Date.now();
  constructor(
    private readonly factor: number,
    private readonly start = Date.now(),
  ) {}
  now(): number {
    return this.start + (Date.now() - this.realStart) * this.factor;
  }
}
