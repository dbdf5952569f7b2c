import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startApp, tempDir, type TestApp } from './support/app';

/** Writes `request` on a raw socket, then (with `trickle`) one more body byte every 200 ms; resolves at close. */
async function raw(url: string, request: string, trickle = false): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let response = '';
  socket.on('data', (chunk: Buffer) => (response += chunk.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise((resolve) => socket.once('close', resolve));
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(request);
  const drip = trickle ? setInterval(() => socket.writable && socket.write('a'), 200) : undefined;
  await closed;
  clearInterval(drip);
  return response;
}

function problemOf(response: string): {
  status: number;
  contentType: string | undefined;
  body: Record<string, unknown>;
} {
  const [head = '', body = ''] = response.split('\r\n\r\n');
  const lines = head.split('\r\n');
  const contentType = lines.find((line) => /^content-type:/i.test(line))?.split(': ')[1];
  return { status: Number(lines[0]?.split(' ')[1]), contentType, body: JSON.parse(body) as Record<string, unknown> };
}

/**
 * Errors before any request exists (answered as problem+json like every other 4xx, then the connection closes), and
 * paths Fastify's router refuses before any hook runs.
 */
describe('HTTP client and router errors', () => {
  let app: TestApp;
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    dir = await tempDir();
    app = await startApp({ LOCAL_DATA_DIR: dir.path, HTTP_REQUEST_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => {
    await app.close();
    await dir.remove();
  });

  it('answers a request whose body trickles in past HTTP_REQUEST_TIMEOUT_MS 408, and closes it', async () => {
    const response = await raw(
      app.url,
      'POST /v1/documents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{',
      true,
    );
    const problem = problemOf(response);
    expect(problem.status).toBe(408);
    expect(problem.contentType).toContain('application/problem+json');
    expect(problem.body).toMatchObject({ status: 408, title: 'Request Timeout' });
  });

  it('answers headers over the limit 431 and a request that is not HTTP 400, as problem+json', async () => {
    const oversized = problemOf(
      await raw(app.url, `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    );
    expect(oversized.status).toBe(431);
    expect(oversized.contentType).toContain('application/problem+json');
    expect(oversized.body).toMatchObject({
      status: 431,
      type: 'https://navius.dev/problems/request-header-fields-too-large',
    });

    const garbage = problemOf(await raw(app.url, 'NOT HTTP AT ALL\r\n\r\n'));
    expect(garbage.status).toBe(400);
    expect(garbage.contentType).toContain('application/problem+json');
    expect(garbage.body).toMatchObject({ status: 400, title: 'Bad Request' });
  });

  it('answers a path the router cannot decode 400 and an over-long parameter 414, with the usual headers', async () => {
    for (const [path, status] of [
      ['/v1/documents/%ff%fe', 400],
      [`/v1/documents/${'a'.repeat(150)}`, 414],
    ] as const) {
      const answer = await call(`${app.url}${path}`);
      expect(answer.status, path).toBe(status);
      expect(answer.headers.get('content-type'), path).toContain('application/problem+json');
      expect(answer.body, path).toMatchObject({ status, instance: path });
      expect(answer.headers.get('cache-control'), path).toBe('no-store');
      expect(answer.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(answer.headers.get('x-request-id'), path).toBeTruthy();
    }
  });

  it('keeps serving everyone else', async () => {
    expect((await call(`${app.url}/health/live`)).status).toBe(200);
  });
});
