/** Graceful shutdown for long-running commands: SIGTERM or SIGINT stops accepting, drains, then exits. */

/** Resolves once `close` has finished after the first SIGTERM or SIGINT. */
export function untilStopped(close: () => Promise<void>, say: (line: string) => void): Promise<void> {
  return new Promise<void>((done) => {
    const stop = () => {
      say('Kin is stopping: draining in-flight work…\n');
      close().then(done, done);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
