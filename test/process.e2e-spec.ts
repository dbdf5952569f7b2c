import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CLIENT_ID } from '../src/config/app-config';
import { signLocalToken } from '../src/local/local-issuer';
import { tempDir } from './support/app';
import { postInTwoParts, runToExit, startProcess } from './support/process';

describe('the service as a process (node dist/main.js)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => dir.remove());

  it('refuses to start on bad configuration with one message listing every problem, without a stack trace', async () => {
    const result = await runToExit({ APP_PROFILE: 'aws', PORT: 'eighty', ENTRA_CLIENT_ID: 'nope' });
    expect(result.code).toBe(1);
    for (const name of ['PORT', 'ENTRA_CLIENT_ID']) expect(result.stderr).toContain(name);
    expect(result.stderr).toMatch(/^Invalid configuration:/);
    expect(result.stderr).not.toMatch(/\n\s+at /);

    const aws = await runToExit({ APP_PROFILE: 'aws' });
    expect(aws.code).toBe(1);
    for (const name of ['DATABASE_URL', 'S3_BUCKET', 'AWS_REGION', 'ENTRA_TENANT_ID', 'ENTRA_CLIENT_ID']) {
      expect(aws.stderr).toContain(name);
    }
  });

  it('drains on SIGTERM: readiness 503 at once, the in-flight request finishes, exit 0', async () => {
    const service = await startProcess({ LOCAL_DATA_DIR: dir.path, SHUTDOWN_DRAIN_DELAY_MS: '1000' });
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
    const token = await signLocalToken({ dataDir: dir.path, clientId: LOCAL_CLIENT_ID, roles: ['Documents.Write'] });
    const body = JSON.stringify({ name: 'inflight.txt', contentType: 'text/plain', size: 5 });
    const answer = postInTwoParts(service.url, token, body, {
      sentFirst: 10,
      between: async () => {
        await new Promise((resolve) => setTimeout(resolve, 200));
        service.child.kill('SIGTERM');
        await new Promise((resolve) => setTimeout(resolve, 200));
        const ready = await fetch(`${service.url}/health/ready`);
        expect(ready.status).toBe(503);
        expect(ready.headers.get('content-type')).toContain('application/problem+json');
        expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
        // The server is closing by now; the half-sent request must still complete.
        await new Promise((resolve) => setTimeout(resolve, 1200));
      },
    });
    const [exit, response] = await Promise.all([service.exited, answer]);
    expect(response).toMatch(/^HTTP\/1\.1 201/);
    expect(response.toLowerCase()).toContain('connection: close');

    expect(exit.code).toBe(0);
    // Credentials never reach the logs.
    expect(exit.stdout).not.toContain(token);
    expect(exit.stdout).toContain('[Redacted]');
  });

  it('writes buffered log lines out while it runs, and its last lines when it exits', async () => {
    const service = await startProcess({ LOCAL_DATA_DIR: dir.path, SHUTDOWN_DRAIN_DELAY_MS: '0' });
    // Far less than the 4 KB the buffer waits for: only the periodic flush can bring this line out.
    const requestId = `flush-check-${Date.now()}`;
    expect((await fetch(`${service.url}/v1/me`, { headers: { 'x-request-id': requestId } })).status).toBe(401);
    await expect.poll(() => service.stdout().includes(requestId), { timeout: 10_000, interval: 50 }).toBe(true);
    const written = service.stdout().length;
    service.child.kill('SIGTERM');
    const exit = await service.exited;
    expect(exit.code).toBe(0);
    // The lines logged on the way out were buffered when process.exit ran.
    expect(exit.stdout.slice(written)).toMatch(/SIGTERM: draining[\s\S]*stopped/);
  });
});
