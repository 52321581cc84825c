/** Resolves when the process is asked to stop (Ctrl-C or a supervisor's SIGTERM), so a command can shut down in order. */
export function untilStopSignal(): Promise<void> {
  return new Promise((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
}
