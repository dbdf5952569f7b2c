import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');
/** As `npm start` runs it: the OpenTelemetry preload first. */
const NODE_ARGS = ['--require', join(__dirname, '..', '..', 'dist', 'observability', 'telemetry.preload.js'), MAIN];

export interface ServiceProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  /** Everything the process wrote to stdout so far. */
  stdout(): string;
  exited: Promise<{ code: number | null; stderr: string; stdout: string }>;
}

/** Runs the built service (`node dist/main.js`) as `npm start` does, and waits for its ready line. */
export async function startProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn(process.execPath, NODE_ARGS, {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stderr, stdout })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /ready on (http:\/\/[\d.:[\]]+)/.exec(stdout);
      if (match?.[1]) {
        clearInterval(timer);
        resolve(match[1].replace('[::1]', '127.0.0.1'));
      }
    }, 50);
    void exited.then(({ code }) => {
      clearInterval(timer);
      reject(new Error(`exited with ${code} before ready:\n${stderr}\n${stdout}`));
    });
  });
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
