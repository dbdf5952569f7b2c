import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShutdownState } from '../../src/health/shutdown.state';
import { signLocalToken } from '../../src/local/local-issuer';
import { createHandler, type HookEvent, type HookStatus } from '../../infra/deploy/hooks/after-allow-test-traffic.mjs';
import { freshDatabase, startApp, tempDir, type TestApp } from '../support/app';

const SMOKE = join(__dirname, '..', '..', 'infra', 'deploy', 'smoke.mjs');
const HEALTHCHECK = join(__dirname, '..', '..', 'docker', 'healthcheck.mjs');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the smoke script as the pipeline does: a process, the token in SMOKE_TOKEN, the verdict in the exit code. */
async function smoke(args: string[], env: Record<string, string> = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [SMOKE, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('smoke test script (infra/deploy/smoke.mjs) and the AfterAllowTestTraffic hook', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    [dir, db] = await Promise.all([tempDir(), freshDatabase()]);
    app = await startApp({ LOCAL_DATA_DIR: dir.path, DATABASE_URL: db.url });
    token = await app.token({ roles: ['Documents.Read'] });
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([dir.remove(), db.drop()]);
  });

  it('passes against the running service, every check reported, the token never printed', async () => {
    const run = await smoke(['--base-url', app.url], { SMOKE_TOKEN: token });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const check of ['ready', 'openapi', 'authenticated', 'unauthenticated']) {
      expect(run.stdout).toMatch(new RegExp(`^ok +${check}:`, 'm'));
    }
    expect(run.stdout).toContain(`smoke passed against ${app.url}`);
    expect(run.stdout + run.stderr).not.toContain(token);
  });

  it('fails when the token is refused', async () => {
    // Signed by the right key for another API (audience): the service must refuse it.
    const foreign = await signLocalToken({
      dataDir: dir.path,
      clientId: '11111111-1111-4111-8111-111111111111',
      roles: ['Documents.Read'],
    });
    const run = await smoke(['--base-url', app.url, '--token', foreign]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL authenticated: GET \/v1\/me with the token answered 401/m);
    expect(run.stdout).toMatch(/^ok +ready:/m);
  });

  it('fails when nothing answers at the base URL', async () => {
    const run = await smoke(['--base-url', `http://127.0.0.1:${await closedPort()}`, '--timeout-ms', '2000'], {
      SMOKE_TOKEN: token,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL ready:/m);
    expect(run.stdout).toContain('smoke FAILED: 4 of 4 checks');
  });

  it('--journey runs the whole document journey against the stack (create, upload, complete, download, delete)', async () => {
    const writer = await app.token({ roles: ['Documents.Read', 'Documents.Write'] });
    const run = await smoke(['--base-url', app.url, '--journey'], { SMOKE_TOKEN: writer });
    expect(run.stdout).toMatch(/^ok +journey: created, uploaded, completed, read, downloaded and deleted \d+ bytes/m);
    expect(run.code).toBe(0);

    const reader = await smoke(['--base-url', app.url, '--journey'], { SMOKE_TOKEN: token });
    expect(reader.code).toBe(1);
    expect(reader.stdout).toMatch(/^FAIL journey: POST \/v1\/documents answered 403/m);
  });

  it('the container health check (docker/healthcheck.mjs) passes against the live service and fails without one', async () => {
    const check = async (port: string) => {
      try {
        await promisify(execFile)(process.execPath, [HEALTHCHECK], {
          env: { PATH: process.env.PATH ?? '', PORT: port },
        });
        return 0;
      } catch (error) {
        return (error as { code?: number }).code;
      }
    };
    expect(await check(new URL(app.url).port)).toBe(0);
    expect(await check(String(await closedPort()))).toBe(1);
  });

  it('refuses to run without a base URL or a token (exit 2)', async () => {
    expect((await smoke(['--base-url', app.url])).code).toBe(2);
    expect((await smoke([], { SMOKE_TOKEN: token })).code).toBe(2);
  });

  it('the hook reports Succeeded to CodeDeploy for a healthy green task set', async () => {
    const reported: Array<[HookEvent, HookStatus]> = [];
    const hook = createHandler({
      baseUrl: app.url,
      getToken: async () => token,
      reportStatus: async (event, status) => void reported.push([event, status]),
      log: { log: () => undefined, error: () => undefined },
    });
    const event = { DeploymentId: 'd-TEST', LifecycleEventHookExecutionId: 'hook-1' };
    expect(await hook(event)).toBe('Succeeded');
    expect(reported).toEqual([[event, 'Succeeded']]);
  });

  it('the hook reports Failed when the token cannot be had, and still reports', async () => {
    const reported: HookStatus[] = [];
    const errors: string[] = [];
    const hook = createHandler({
      baseUrl: app.url,
      getToken: async () => Promise.reject(new Error('secret not found')),
      reportStatus: async (_event, status) => void reported.push(status),
      log: { log: () => undefined, error: (line: string) => void errors.push(line) },
    });
    expect(await hook({ DeploymentId: 'd-TEST', LifecycleEventHookExecutionId: 'hook-2' })).toBe('Failed');
    expect(reported).toEqual(['Failed']);
    expect(errors.join('\n')).toContain('secret not found');
  });

  // Last: it leaves the service draining.
  it('fails against a service that is not ready (draining), from the script and from the hook', async () => {
    app.running.app.get(ShutdownState).beginDrain();
    const run = await smoke(['--base-url', app.url], { SMOKE_TOKEN: token });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL ready: GET \/health\/ready answered 503/m);
    expect(run.stdout).toContain('smoke FAILED: 1 of 4 checks');

    const reported: HookStatus[] = [];
    const hook = createHandler({
      baseUrl: app.url,
      getToken: async () => token,
      reportStatus: async (_event, status) => void reported.push(status),
      smoke: async (options) => (await import('../../infra/deploy/smoke.mjs')).runSmoke({ ...options, attempts: 1 }),
      log: { log: () => undefined, error: () => undefined },
    });
    expect(await hook({ DeploymentId: 'd-TEST', LifecycleEventHookExecutionId: 'hook-3' })).toBe('Failed');
    expect(reported).toEqual(['Failed']);
  });
});
