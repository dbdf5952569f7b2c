import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { AwsCredentialsService } from '../aws/aws.credentials';
import { urlLifetime } from './storage.lifetime';

/** Credentials whose first fetch (an STS call) takes `delayMs` and which then live `lifetimeSeconds`. */
function slowSession(delayMs: number, lifetimeSeconds: number): AwsCredentialsService {
  return {
    expiration: async () => {
      await sleep(delayMs);
      return new Date(Date.now() + lifetimeSeconds * 1000);
    },
  } as AwsCredentialsService;
}

describe('urlLifetime', () => {
  it('dates the URL after the credentials arrived, so a slow STS call cannot stretch it past the session', async () => {
    const lifetime = await urlLifetime(3_600, slowSession(1_100, 900));
    expect(lifetime.expiresIn).toBeLessThanOrEqual(900);
    expect(lifetime.expiresIn).toBeGreaterThanOrEqual(899);
    expect(Date.parse(lifetime.expiresAt)).toBe(lifetime.signingDate.getTime() + lifetime.expiresIn * 1000);
  });

  it('keeps the configured TTL when the credentials outlive it, and never exceeds SigV4’s week', async () => {
    expect((await urlLifetime(300, slowSession(0, 3_600))).expiresIn).toBe(300);
    expect((await urlLifetime(30 * 24 * 3_600, slowSession(0, 60 * 24 * 3_600))).expiresIn).toBe(7 * 24 * 3_600);
  });

  it('refuses to sign with credentials that have expired: 503', async () => {
    await expect(urlLifetime(300, slowSession(0, -1))).rejects.toMatchObject({ status: 503, dependency: 'storage' });
  });
});
