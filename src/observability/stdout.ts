import pino, { type DestinationStream } from 'pino';

/** Where log lines and EMF documents go: pino's destination, plus the flush the exit handler needs. */
export interface StdoutLines extends DestinationStream {
  flushSync(): void;
}

let destination: StdoutLines | undefined;

/**
 * The process's one writer of stdout lines, log lines and EMF documents alike: lines are buffered and written
 * synchronously 4 KB or more at a time. pino's default destination (asynchronous sonic-boom) handed nearly every
 * line to libuv's threadpool as a write of its own; this costs less CPU per line (see README, Observability).
 * The buffer goes out every 250 ms however little is in it, and on exit. One writer keeps lines whole.
 *
 * Each line is handed to sonic-boom as a Buffer (its `buffer` content mode): with strings, sonic-boom measures its
 * whole pending buffer on every write, which copies it into a flat string each time (~2.4 KB of garbage per line).
 */
export function stdoutLines(): StdoutLines {
  if (!destination) {
    // pino's sonic-boom: on EPIPE (stdout's reader gone) it stops writing instead of failing every write.
    const boom = pino.destination({ dest: 1, sync: true, minLength: 4096, periodicFlush: 250, contentMode: 'buffer' });
    const lines: StdoutLines = {
      // In buffer content mode sonic-boom writes Buffers; its types declare only strings.
      write: (line: string) => boom.write(Buffer.from(line) as unknown as string),
      flushSync: () => boom.flushSync(),
    };
    // Every way out passes here, process.exit after a graceful shutdown included.
    process.on('exit', () => flush(lines));
    destination = lines;
  }
  return destination;
}

function flush(lines: StdoutLines): void {
  try {
    lines.flushSync();
  } catch {
    // stdout is gone (EPIPE): there is nowhere left to write the lines to.
  }
}
