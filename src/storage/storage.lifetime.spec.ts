import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClientFactory } from '../aws/aws.client-factory';
import { startLoopbackSts, TEST_CREDENTIALS, type LoopbackSts } from '../aws/aws.testing';
import { urlLifetime } from './storage.lifetime';

/** Credentials of a 15-minute assumed-role session from a loopback STS. */
function assumedRole(sts: LoopbackSts) {
  return AwsClientFactory.standalone({
    region: 'eu-west-1',
    endpoints: { sts: sts.endpoint },
    credentials: {
      static: TEST_CREDENTIALS,
      assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/navius-documents', durationSeconds: 900 },
    },
  }).credentials;
}

describe('urlLifetime', () => {
  let sts: LoopbackSts;

  beforeAll(async () => {
    sts = await startLoopbackSts();
  });
  afterAll(() => sts.close());

  it('dates the URL after the credentials arrived, so a slow STS cannot stretch it past the session', async () => {
    // The session is issued 1.1 s after the call: a URL dated before the call would outlive it by a second.
    sts.delay(1_100);
    const lifetime = await urlLifetime(3_600, assumedRole(sts));
    sts.delay(0);
    const sessionEnd = (sts.assumeRoleCalls.at(-1)?.at ?? 0) + 900_000;
    expect(lifetime.expiresIn).toBeLessThanOrEqual(900);
    expect(Date.parse(lifetime.expiresAt)).toBeLessThanOrEqual(sessionEnd);
    expect(Date.parse(lifetime.expiresAt)).toBe(lifetime.signingDate.getTime() + lifetime.expiresIn * 1000);
  });

  it('keeps the configured TTL when the credentials outlive it, and never exceeds SigV4’s week', async () => {
    const session = assumedRole(sts);
    expect((await urlLifetime(300, session)).expiresIn).toBe(300);
    const fixed = AwsClientFactory.standalone({ region: 'eu-west-1', credentials: { static: TEST_CREDENTIALS } });
    expect((await urlLifetime(30 * 24 * 3_600, fixed.credentials)).expiresIn).toBe(7 * 24 * 3_600);
  });
});
