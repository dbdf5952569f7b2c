import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startArgs } from './start-args.mts';

/** As `npm start` runs it: its V8 flags, the OpenTelemetry preload first. */
const NODE_ARGS = startArgs(join(__dirname, '..', '..'));

export interface ServiceProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  /** Everything the process wrote to stdout so far. */
  stdout(): string;
  exited: Promise<{ code: number | null; stderr: string; stdout: string }>;
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs the built service as `npm start` does and waits until it listens (whatever its LOG_LEVEL). */
export async function startProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const port = env.PORT && env.PORT !== '0' ? env.PORT : String(await freePort());
  const child = spawn(process.execPath, NODE_ARGS, {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: port },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code;
      // A service that dies on its own (not stopped by the test) leaves its last words in the test output.
      if (!child.killed)
        process.stderr.write(`service on port ${port} exited (${code ?? signal}):\n${stderr.slice(-8_000)}\n`);
      resolve({ code, stderr, stdout });
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`exited with ${exitCode} before ready:\n${stderr}\n${stdout}`);
    const live = await fetch(`${url}/health/live`).then(
      (response) => response.ok,
      () => false,
    );
    if (live) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, url, stdout: () => stdout, exited };
}

/** Runs the built service and waits for it to exit (for start-up failures). */
export function runToExit(
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, NODE_ARGS, { env: { PATH: process.env.PATH ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr, stdout })));
}

/**
 * POST /v1/documents on a raw socket in two parts: the headers with the body's first `sentFirst` characters, the rest
 * once `between()` has resolved (written, not ended: a half-closed client socket is an aborted request to Node's
 * HTTP server). Resolves with the raw response when the connection closes; `connectionClose` asks the server to.
 */
export async function postInTwoParts(
  url: string,
  token: string,
  body: string,
  options: { sentFirst: number; between: () => Promise<unknown>; connectionClose?: boolean },
): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let response = '';
  socket.on('data', (chunk: Buffer) => (response += chunk.toString()));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `POST /v1/documents HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `${options.connectionClose ? 'Connection: close\r\n' : ''}\r\n${body.slice(0, options.sentFirst)}`,
  );
  try {
    await options.between();
  } catch (error) {
    socket.destroy();
    throw error;
  }
  socket.write(body.slice(options.sentFirst));
  await closed;
  return response;
}
