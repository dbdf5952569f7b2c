import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { securityHeaders } from './app.factory';

async function headersOf(profile: 'local' | 'aws'): Promise<Record<string, unknown>> {
  const server = Fastify();
  server.addHook('onRequest', securityHeaders(profile));
  server.get('/', async () => ({ ok: true }));
  try {
    return (await server.inject({ method: 'GET', url: '/' })).headers;
  } finally {
    await server.close();
  }
}

describe('security headers', () => {
  it('refuse framing, sniffing and referrers in every profile', async () => {
    for (const profile of ['local', 'aws'] as const) {
      const headers = await headersOf(profile);
      expect(headers['x-frame-options'], profile).toBe('DENY');
      expect(headers['content-security-policy'], profile).toContain("frame-ancestors 'none'");
      expect(headers['content-security-policy'], profile).toContain("default-src 'self'");
      expect(headers['x-content-type-options'], profile).toBe('nosniff');
      expect(headers['referrer-policy'], profile).toBe('no-referrer');
      expect(headers['x-xss-protection'], profile).toBeUndefined();
    }
  });

  it('keep to HTTPS behind TLS (aws): HSTS and upgraded requests, neither on the local profile’s plain http', async () => {
    const aws = await headersOf('aws');
    expect(aws['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(aws['content-security-policy']).toContain('upgrade-insecure-requests');
    const local = await headersOf('local');
    expect(local['strict-transport-security']).toBeUndefined();
    expect(local['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });
});
