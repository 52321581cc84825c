/**
 * Stop signals for the long-running commands. A service manager (systemd) or a container runtime
 * sends SIGTERM to one PID, a terminal's Ctrl-C sends SIGINT to the whole group: both must stop the
 * hub, and a second one must not wait for the orderly stop to finish.
 */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Resolves with the first SIGINT or SIGTERM, so a command can shut down in order. */
export function untilStopSignal(): Promise<StopSignal> {
  return new Promise((done) => {
    const on = (signal: StopSignal) => () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      done(signal);
    };
    const onInt = on('SIGINT');
    const onTerm = on('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}

/**
 * While an orderly stop runs: a second signal, or the deadline passing, ends the process at once.
 * That is safe because an alarm is acknowledged only after its SQLite commit; what was not
 * acknowledged is resent by its device. Returns the disposer (call it when the stop finished).
 */
export function hardStopAfter(deadlineMs: number, exit: (why: string) => void): () => void {
  const again = (): void => exit('a second stop signal');
  process.once('SIGINT', again);
  process.once('SIGTERM', again);
  const timer = setTimeout(() => exit(`the orderly stop took longer than ${deadlineMs} ms`), deadlineMs);
  timer.unref();
  return () => {
    clearTimeout(timer);
    process.off('SIGINT', again);
    process.off('SIGTERM', again);
  };
}
