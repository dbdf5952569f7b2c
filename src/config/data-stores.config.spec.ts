import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, RDS_CA_BUNDLE } from './app-config';

const AWS = {
  APP_PROFILE: 'aws',
  DATABASE_HOST: 'db.internal',
  DATABASE_USER: 'navius_app',
  DATABASE_NAME: 'navius',
  DATABASE_IAM_AUTH: 'true',
  S3_BUCKET: 'navius-docs',
  AWS_REGION: 'eu-west-1',
  ENTRA_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  ENTRA_CLIENT_ID: '6e8f1f8e-54a2-4d3b-9a57-3f2b1c0d9e8a',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('database and cache configuration', () => {
  it('defaults the aws profile to verify-full against the RDS bundle, rate limiting on', () => {
    const config = parseConfig(AWS);
    expect(config.database).toMatchObject({ sslMode: 'verify-full', sslCaFile: RDS_CA_BUNDLE, iamAuth: true });
    expect(config.rateLimit).toEqual({ limit: 1_200, windowSeconds: 60 });
    const local = parseConfig({});
    expect(local.database.sslMode).toBeUndefined();
    expect(local.rateLimit.limit).toBe(0);
  });

  it('refuses plain or unverified database TLS and plain Redis in the aws profile', () => {
    const problems = problemsOf({ ...AWS, DATABASE_SSL_MODE: 'require', REDIS_URL: 'redis://cache.internal:6379' });
    expect(problems).toEqual([
      'DATABASE_SSL_MODE: must be verify-full in the aws profile',
      'REDIS_URL: must be rediss:// (TLS) in the aws profile',
    ]);
    expect(problemsOf({ DATABASE_SSL_MODE: 'disable', REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual([]);
  });

  it('reads the database password from a Secrets Manager secret, as the only source of it', () => {
    const secret = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-1a2b3c-AbCdEf';
    const config = parseConfig({ ...AWS, DATABASE_IAM_AUTH: 'false', DATABASE_PASSWORD_SECRET_ARN: secret });
    expect(config.database.passwordSecret).toEqual({ secretId: secret, refreshAfterSeconds: 900 });
    expect(problemsOf({ ...AWS, DATABASE_PASSWORD_SECRET_ARN: secret, DATABASE_PASSWORD: 'x' })).toEqual([
      'DATABASE_PASSWORD_SECRET_ARN: not with DATABASE_IAM_AUTH (choose one)',
      'DATABASE_PASSWORD_SECRET_ARN: not with DATABASE_PASSWORD (choose one)',
    ]);
  });

  it('needs the user and cache name for ElastiCache IAM auth', () => {
    expect(problemsOf({ REDIS_IAM_AUTH: 'true' }).map((problem) => problem.split(':')[0])).toEqual([
      'REDIS_IAM_AUTH',
      'REDIS_IAM_USER',
      'REDIS_IAM_CACHE_NAME',
    ]);
    const config = parseConfig({
      ...AWS,
      REDIS_URL: 'rediss://clustercfg.navius.abc123.euw1.cache.amazonaws.com:6379',
      REDIS_IAM_AUTH: 'true',
      REDIS_IAM_USER: 'navius-app',
      REDIS_IAM_CACHE_NAME: 'navius',
      RATE_LIMIT_LIMIT: '0',
    });
    expect(config.cache.iam).toEqual({ userId: 'navius-app', cacheName: 'navius', serverless: false });
    expect(config.cache.cluster).toBeUndefined();
    expect(config.rateLimit.limit).toBe(0);
  });
});
