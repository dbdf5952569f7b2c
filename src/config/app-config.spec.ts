import { describe, expect, it } from 'vitest';
import { ConfigError, LOCAL_CLIENT_ID, parseConfig } from './app-config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const config = parseConfig({});
    expect(config.profile).toBe('local');
    expect(config.http).toMatchObject({ port: 3000, host: '127.0.0.1' });
    expect(config.database.url).toBeUndefined();
    expect(config.entra.clientId).toBe(LOCAL_CLIENT_ID);
    expect(config.entra.audiences).toEqual([LOCAL_CLIENT_ID, `api://${LOCAL_CLIENT_ID}`]);
    expect(config.entra.scopeMap['Documents.ReadWrite']).toEqual(['Documents.Read', 'Documents.Write']);
  });

  it('lists every problem of the aws profile in one error', () => {
    const problems = problemsOf({ APP_PROFILE: 'aws', ENTRA_AUTHORITY_HOST: 'http://login.example' });
    expect(problems.join('\n')).toMatch(/DATABASE_URL/);
    for (const name of ['S3_BUCKET', 'AWS_REGION', 'ENTRA_TENANT_ID', 'ENTRA_CLIENT_ID', 'ENTRA_AUTHORITY_HOST']) {
      expect(problems.some((problem) => problem.startsWith(name))).toBe(true);
    }
  });

  it('names each invalid value', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      APP_PROFILE: 'prod',
      DATABASE_URL: 'mysql://x',
      ENTRA_CLIENT_ID: 'abc',
      AUTH_ROLE_MAP: '{not json',
    });
    for (const name of ['PORT', 'APP_PROFILE', 'DATABASE_URL', 'ENTRA_CLIENT_ID', 'AUTH_ROLE_MAP']) {
      expect(
        problems.some((problem) => problem.startsWith(name)),
        name,
      ).toBe(true);
    }
  });

  it('accepts a complete aws profile and derives audiences from the client id', () => {
    const clientId = '6e8f1f8e-54a2-4d3b-9a57-3f2b1c0d9e8a';
    const config = parseConfig({
      APP_PROFILE: 'aws',
      DATABASE_HOST: 'db.internal',
      DATABASE_USER: 'navius',
      DATABASE_NAME: 'navius',
      DATABASE_IAM_AUTH: 'true',
      S3_BUCKET: 'navius-docs',
      AWS_REGION: 'eu-west-1',
      ENTRA_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      ENTRA_CLIENT_ID: clientId,
    });
    expect(config.http.host).toBe('0.0.0.0');
    expect(config.database.iamAuth).toBe(true);
    expect(config.entra.audiences).toEqual([clientId, `api://${clientId}`]);
  });

  it('requires allowed tenants for a multi-tenant authority', () => {
    const problems = problemsOf({ ENTRA_TENANT_ID: 'organizations', ENTRA_CLIENT_ID: LOCAL_CLIENT_ID });
    expect(problems).toEqual([expect.stringMatching(/^ENTRA_ALLOWED_TENANTS/)]);
  });

  it('merges a configured role map over the defaults', () => {
    const config = parseConfig({ AUTH_ROLE_MAP: '{"Docs.Admin":["Documents.Read","Documents.Write"]}' });
    expect(config.entra.roleMap['Docs.Admin']).toEqual(['Documents.Read', 'Documents.Write']);
    expect(config.entra.roleMap['Documents.Read']).toEqual(['Documents.Read']);
  });

  it('reads the AWS core settings: assume-role, retries, endpoints, breaker, prices, S3 failover', () => {
    const config = parseConfig({
      AWS_PROFILE: 'navius-dev',
      AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/navius-documents',
      AWS_ROLE_EXTERNAL_ID: 'partner-42',
      AWS_RETRY_MODE: 'adaptive',
      AWS_MAX_ATTEMPTS: '5',
      AWS_ENDPOINT_URL: 'https://vpce-1.example.com',
      AWS_ENDPOINT_URL_STS: 'https://vpce-sts.example.com',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
      AWS_PRICE_TABLE: '{"kms":{"*":2.5}}',
      S3_FAILOVER_REGION: 'eu-central-1',
    });
    expect(config.aws).toMatchObject({
      profile: 'navius-dev',
      assumeRole: {
        roleArn: 'arn:aws:iam::123456789012:role/navius-documents',
        sessionName: 'navius',
        externalId: 'partner-42',
        durationSeconds: 3600,
      },
      retryMode: 'adaptive',
      maxAttempts: 5,
      endpoints: { sts: 'https://vpce-sts.example.com', kms: 'https://vpce-1.example.com' },
      prices: { kms: { '*': 2.5 } },
    });
    expect(config.storage).toMatchObject({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
    expect(config.storage.failover).toEqual({ region: 'eu-central-1', endpoint: undefined });
    expect(parseConfig({}).aws).toMatchObject({ retryMode: 'standard', maxAttempts: 3, assumeRole: undefined });
  });

  it('names invalid AWS core settings', () => {
    const problems = problemsOf({
      AWS_ROLE_ARN: 'navius-role',
      AWS_RETRY_MODE: 'legacy',
      AWS_MAX_ATTEMPTS: '0',
      AWS_PRICE_TABLE: '{"s3":{"PutObject":-1}}',
    });
    for (const name of ['AWS_ROLE_ARN', 'AWS_RETRY_MODE', 'AWS_MAX_ATTEMPTS', 'AWS_PRICE_TABLE']) {
      expect(
        problems.some((problem) => problem.startsWith(name)),
        name,
      ).toBe(true);
    }
  });

  it('refuses a drain delay that would outlast the shutdown deadline', () => {
    expect(problemsOf({ SHUTDOWN_DRAIN_DELAY_MS: '30000', SHUTDOWN_TIMEOUT_MS: '25000' })).toEqual([
      'SHUTDOWN_DRAIN_DELAY_MS: must be less than SHUTDOWN_TIMEOUT_MS',
    ]);
  });
});
