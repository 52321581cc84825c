/**
 * TEST SEAM ONLY: a one-shot stop in a running step, so an integration test can hold one replica
 * in the middle of a write or a takeover while it does something to another
 * (test/integration/replica-fence.test.ts). Unarmed — always, outside such tests — `pass()` is an
 * immediately resolved no-op.
 */
export interface HeldStop {
  /** Resolves when the step reached the stop. */
  entered: Promise<void>;
  /** Lets the step go on. */
  release(): void;
}

export class OneShotStop {
  private armed: { reached: () => void; released: Promise<void> } | null = null;

  /** The next pass() waits until release(). */
  arm(): HeldStop {
    let reached!: () => void;
    let release!: () => void;
    const entered = new Promise<void>((ok) => {
      reached = ok;
    });
    const released = new Promise<void>((ok) => {
      release = ok;
    });
    this.armed = { reached, released };
    return { entered, release };
  }

  async pass(): Promise<void> {
    const stop = this.armed;
    if (!stop) return;
    this.armed = null;
    stop.reached();
    await stop.released;
  }
}
