import pino from 'pino';

type Destination = ReturnType<typeof pino.destination>;

/** How long a line may wait in the buffer when traffic is too light to fill it. */
const FLUSH_INTERVAL_MS = 250;

let destination: Destination | undefined;

/**
 * The process's one writer of stdout lines, log lines and EMF documents alike: lines are buffered and written
 * 4 KB or more at a time, instead of one write(2) per line, which cost each request more than building its
 * access-log line did. Every FLUSH_INTERVAL_MS, and on exit, the buffer goes out anyway. The writes stay
 * synchronous: sonic-boom's asynchronous mode measured slower here, and one writer keeps lines whole.
 */
export function stdoutLines(): Destination {
  if (!destination) {
    const lines = pino.destination({ dest: 1, sync: true, minLength: 4096 });
    setInterval(() => flush(lines), FLUSH_INTERVAL_MS).unref();
    process.on('exit', () => flush(lines));
    destination = lines;
  }
  return destination;
}

/** Writes out what is buffered (the last lines before an exit). */
export function flushStdout(): void {
  if (destination) flush(destination);
}

function flush(lines: Destination): void {
  try {
    lines.flushSync();
  } catch {
    // stdout is gone (EPIPE): there is nowhere left to write the lines to.
  }
}
