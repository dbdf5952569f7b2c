import Fastify from 'fastify';
import helmet from 'helmet';
import { describe, expect, it } from 'vitest';
import { securityHeaders } from './app.factory';

async function headersOf(profile: 'local' | 'aws'): Promise<Record<string, unknown>> {
  const server = Fastify();
  const secure = helmet(securityHeaders(profile));
  server.addHook('onRequest', (request, reply, done) => secure(request.raw, reply.raw, () => done()));
  server.get('/', async () => ({ ok: true }));
  try {
    return (await server.inject({ method: 'GET', url: '/' })).headers;
  } finally {
    await server.close();
  }
}

describe('security headers', () => {
  it('refuse framing, sniffing and referrers, and keep HTTPS, in every profile', async () => {
    for (const profile of ['local', 'aws'] as const) {
      const headers = await headersOf(profile);
      expect(headers['x-frame-options'], profile).toBe('DENY');
      expect(headers['content-security-policy'], profile).toContain("frame-ancestors 'none'");
      expect(headers['content-security-policy'], profile).toContain("default-src 'self'");
      expect(headers['x-content-type-options'], profile).toBe('nosniff');
      expect(headers['referrer-policy'], profile).toBe('no-referrer');
      expect(headers['strict-transport-security'], profile).toMatch(/max-age=\d+/);
      expect(headers['x-xss-protection'], profile).toBeUndefined();
    }
  });

  it('upgrade insecure requests behind TLS (aws), not on the local profile’s plain http', async () => {
    expect((await headersOf('aws'))['content-security-policy']).toContain('upgrade-insecure-requests');
    expect((await headersOf('local'))['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });
});
