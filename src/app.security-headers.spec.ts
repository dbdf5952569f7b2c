import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { securityHeaders } from './app.factory';

/** The headers of an API answer and of Swagger UI's page, as the service's hook sets them in `profile`. */
async function headersOf(
  profile: 'local' | 'aws',
): Promise<{ api: Record<string, unknown>; page: Record<string, unknown> }> {
  const server = Fastify();
  const setSecurityHeaders = securityHeaders(profile);
  server.addHook('onRequest', (request, reply, done) => {
    setSecurityHeaders(request, reply);
    done();
  });
  server.get('/v1/me', async () => ({ ok: true }));
  server.get('/docs', async (_request, reply) => reply.type('text/html').send('<html></html>'));
  try {
    const [api, page] = await Promise.all(['/v1/me', '/docs'].map((url) => server.inject({ method: 'GET', url })));
    return { api: api!.headers, page: page!.headers };
  } finally {
    await server.close();
  }
}

describe('security headers', () => {
  it('refuse framing, sniffing, referrers and cross-origin reads on every answer, in every profile', async () => {
    for (const profile of ['local', 'aws'] as const) {
      for (const [answer, headers] of Object.entries(await headersOf(profile))) {
        const at = `${profile} ${answer}`;
        expect(headers['x-frame-options'], at).toBe('DENY');
        expect(headers['content-security-policy'], at).toContain("frame-ancestors 'none'");
        expect(headers['x-content-type-options'], at).toBe('nosniff');
        expect(headers['referrer-policy'], at).toBe('no-referrer');
        expect(headers['cross-origin-resource-policy'], at).toBe('same-origin');
        expect(headers['x-xss-protection'], at).toBeUndefined();
      }
    }
  });

  it('give API answers no sources at all, and Swagger UI the page policy it runs under', async () => {
    const { api, page } = await headersOf('local');
    expect(api['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(api['cross-origin-opener-policy']).toBeUndefined();
    expect(page['content-security-policy']).toContain("default-src 'self'");
    expect(page['content-security-policy']).toContain("script-src 'self'");
    expect(page['cross-origin-opener-policy']).toBe('same-origin');
  });

  it('keep to HTTPS behind TLS (aws): HSTS and upgraded requests, neither on the local profile’s plain http', async () => {
    const aws = await headersOf('aws');
    expect(aws.api['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(aws.page['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(aws.page['content-security-policy']).toContain('upgrade-insecure-requests');
    const local = await headersOf('local');
    expect(local.api['strict-transport-security']).toBeUndefined();
    expect(local.page['strict-transport-security']).toBeUndefined();
    expect(local.page['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });
});
