import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { collectedLines } from '../../test/support/log-lines';
import { createRootLogger, fastifyLogging } from './logging.module';

/** Fastify with the service's logging: the access-log controller over a root logger that redacts. */
async function loggedServer() {
  const { sink, lines } = collectedLines();
  const server = Fastify(fastifyLogging(createRootLogger({ logLevel: 'info' }, sink), 0));
  server.get('/v1/things/:id', async () => ({ ok: true }));
  server.get('/v1/broken', async () => {
    throw Object.assign(new Error('boom'), { token: 'error-held-secret' });
  });
  await server.ready();
  return { server, lines };
}

describe('AccessLogController', () => {
  it('writes one line per answer with the route template, and never a credential', async () => {
    const { server, lines } = await loggedServer();
    await server.inject({
      url: '/v1/things/42?q=1',
      headers: { authorization: 'Bearer secret-token', cookie: 'session=secret-cookie', 'user-agent': 'spec' },
    });
    const line = lines.find((entry) => entry.msg === 'request completed');
    expect(line).toMatchObject({
      level: 30,
      reqId: expect.any(String),
      http: {
        method: 'GET',
        path: '/v1/things/42',
        route: '/v1/things/:id',
        status: 200,
        headers: { authorization: '[Redacted]', cookie: '[Redacted]', 'user-agent': 'spec' },
      },
    });
    expect(JSON.stringify(lines)).not.toMatch(/secret-(token|cookie)/);
  });

  it('logs a failed answer at error; the error itself goes through the redacting logger', async () => {
    const { server, lines } = await loggedServer();
    await server.inject({
      url: '/v1/broken',
      headers: { authorization: 'Bearer secret-token', 'x-request-id': 'req-broken-1' },
    });
    const line = lines.find((entry) => entry.msg === 'request completed');
    expect(line).toMatchObject({ level: 50, reqId: 'req-broken-1', http: { route: '/v1/broken', status: 500 } });
    // Written by the request's own logger: its request id comes with it.
    const errorLines = lines.filter((entry) => (entry.err as { message?: string } | undefined)?.message === 'boom');
    expect(errorLines.length).toBeGreaterThan(0);
    for (const errorLine of errorLines) expect(errorLine.reqId).toBe('req-broken-1');
    expect(JSON.stringify(lines)).not.toMatch(/secret-token|error-held-secret/);
  });
});
