import pino from 'pino';

type Destination = ReturnType<typeof pino.destination>;

let destination: Destination | undefined;

/**
 * The process's one writer of stdout lines, log lines and EMF documents alike: lines are buffered and written
 * synchronously 4 KB or more at a time. pino's default destination (asynchronous sonic-boom) handed nearly every
 * line to libuv's threadpool as a write of its own; this costs less CPU per line (see README, Observability).
 * The buffer goes out every 250 ms however little is in it, and on exit. One writer keeps lines whole.
 */
export function stdoutLines(): Destination {
  if (!destination) {
    const lines = pino.destination({ dest: 1, sync: true, minLength: 4096, periodicFlush: 250 });
    // Every way out passes here, process.exit after a graceful shutdown included.
    process.on('exit', () => flush(lines));
    destination = lines;
  }
  return destination;
}

function flush(lines: Destination): void {
  try {
    lines.flushSync();
  } catch {
    // stdout is gone (EPIPE): there is nowhere left to write the lines to.
  }
}
