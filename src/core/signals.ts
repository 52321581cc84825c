/**
 * Stop signals for the long-running commands. A service manager (systemd) or a container runtime
 * sends SIGTERM to one PID; a terminal's Ctrl-C sends SIGINT to the whole process group — and
 * `npm start` forwards it once more, so the hub hears it twice within a few milliseconds. Both must
 * stop the hub in order; a second signal sent on purpose (later) must not wait for that.
 */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** A repeat within this of the first signal is the same request (Ctrl-C under npm arrives twice). */
const SAME_REQUEST_MS = 300;

export interface StopSignals {
  /** Resolves with the first SIGINT or SIGTERM. */
  readonly first: Promise<StopSignal>;
  /** Called on a later signal (a second Ctrl-C, a supervisor losing patience). */
  onAgain(handler: () => void): void;
}

/**
 * Listens from now on and keeps listening: a signal must never find no listener, or Node's default
 * action kills the process before the orderly stop (that happened when the two SIGINTs of one
 * Ctrl-C arrived in the same tick).
 */
export function stopSignals(): StopSignals {
  let firstAt: number | null = null;
  let again: (() => void) | null = null;
  let againPending = false;
  let resolveFirst!: (s: StopSignal) => void;
  const first = new Promise<StopSignal>((ok) => {
    resolveFirst = ok;
  });
  const on = (signal: StopSignal) => (): void => {
    const now = Date.now();
    if (firstAt === null) {
      firstAt = now;
      resolveFirst(signal);
    } else if (now - firstAt > SAME_REQUEST_MS) {
      if (again) again();
      else againPending = true;
    }
  };
  process.on('SIGINT', on('SIGINT'));
  process.on('SIGTERM', on('SIGTERM'));
  return {
    first,
    onAgain(handler) {
      again = handler;
      if (againPending) handler();
    },
  };
}

/** Resolves when the process is asked to stop (commands without an orderly stop of their own). */
export function untilStopSignal(): Promise<StopSignal> {
  return stopSignals().first;
}

/**
 * While an orderly stop runs: the deadline passing, or a later signal, ends the process at once.
 * That is safe because an alarm is acknowledged only after its SQLite commit; what was not
 * acknowledged is resent by its device. Returns the disposer (call it when the stop finished).
 */
export function hardStopAfter(signals: StopSignals, deadlineMs: number, exit: (why: string) => void): () => void {
  let done = false;
  signals.onAgain(() => {
    if (!done) exit('a second stop signal');
  });
  const timer = setTimeout(() => exit(`the orderly stop took longer than ${deadlineMs} ms`), deadlineMs);
  timer.unref();
  return () => {
    done = true;
    clearTimeout(timer);
  };
}
