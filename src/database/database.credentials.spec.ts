import { Logger } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../../test/support/services';
import { AwsClientFactory } from '../aws/aws.client-factory';
import { UnavailableError } from '../errors/domain-errors';
import { IamTokenCache, rdsTokenSigner } from './database.credentials';
import { DatabaseService } from './database.service';

const PASSWORD = 'iam-token-stand-in';

describe('IamTokenCache', () => {
  it('signs once for concurrent callers, reuses the token inside the window, re-signs after it', async () => {
    let now = 1_000_000;
    let calls = 0;
    const cache = new IamTokenCache(
      async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 10));
        return `token-${calls}`;
      },
      600_000,
      () => now,
    );
    expect(await Promise.all(Array.from({ length: 20 }, () => cache.value()))).toEqual(Array(20).fill('token-1'));
    now += 599_000;
    expect(await cache.value()).toBe('token-1');
    now += 1_000;
    expect(await Promise.all([cache.value(), cache.value()])).toEqual(['token-2', 'token-2']);
    expect(calls).toBe(2);
    expect(cache.fetched).toBe(2);
  });

  it('does not keep a failed signing: the next caller tries again', async () => {
    let calls = 0;
    const cache = new IamTokenCache(async () => {
      calls++;
      if (calls === 1) throw new Error('sts down');
      return 'ok';
    });
    await expect(cache.value()).rejects.toThrow('sts down');
    expect(await cache.value()).toBe('ok');
  });

  it('refuses a refresh interval past the 15-minute token lifetime', () => {
    expect(() => new IamTokenCache(async () => 'x', 900_000)).toThrow(/before their 900 s lifetime/);
  });
});

describe('rdsTokenSigner', () => {
  it('presigns rds-db:connect for the host, port and user with the shared credentials', async () => {
    const aws = AwsClientFactory.standalone({
      region: 'eu-west-1',
      credentials: { static: { accessKeyId: 'AKIDEXAMPLEEXAMPLE01', secretAccessKey: 'not-a-real-secret' } },
    });
    const token = await rdsTokenSigner({
      hostname: 'db.cluster-x.eu-west-1.rds.amazonaws.com',
      port: 5432,
      username: 'navius_app',
      region: 'eu-west-1',
      credentials: aws.credentials.provider,
    })();
    const url = new URL(`https://${token}`);
    expect(url.host).toBe('db.cluster-x.eu-west-1.rds.amazonaws.com:5432');
    expect(url.searchParams.get('Action')).toBe('connect');
    expect(url.searchParams.get('DBUser')).toBe('navius_app');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIDEXAMPLEEXAMPLE01\/\d{8}\/eu-west-1\/rds-db\/aws4_request$/,
    );
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('DatabaseService with IAM auth against a PostgreSQL that demands a password', () => {
  let server: PostgresServer;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = await startPostgres({ password: PASSWORD });
  });
  afterAll(async () => server.destroy());

  it('opens N new connections with one signer call inside the token window', async () => {
    let calls = 0;
    const database = new DatabaseService({
      host: '127.0.0.1',
      port: server.port,
      user: 'postgres',
      database: 'postgres',
      max: 8,
      iamAuth: {
        signer: async () => {
          calls++;
          await new Promise((resolve) => setTimeout(resolve, 50));
          return PASSWORD;
        },
      },
    });
    try {
      // Eight concurrent sleeps need eight connections at once.
      const pids = await Promise.all(
        Array.from({ length: 8 }, () =>
          database.query<{ pid: number }>({ name: 't.pid', text: 'SELECT pg_backend_pid() AS pid FROM pg_sleep(0.3)' }),
        ),
      );
      expect(new Set(pids.map(([row]) => row?.pid)).size).toBe(8);
      expect(database.pool.totalCount).toBe(8);
      expect(calls).toBe(1);
    } finally {
      await database.onApplicationShutdown();
    }
  });

  it('answers 503 (not a hang, not a 500) when the token is refused or cannot be signed', async () => {
    const wrong = new DatabaseService({
      connectionString: server.url().replace(`:${PASSWORD}@`, '@'),
      user: 'postgres',
      iamAuth: { signer: async () => 'expired-token' },
    });
    const failing = new DatabaseService({
      connectionString: server.url(),
      iamAuth: { signer: async () => Promise.reject(new Error('no credentials')) },
    });
    try {
      await expect(wrong.ping()).rejects.toBeInstanceOf(UnavailableError);
      await expect(failing.ping()).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      await Promise.all([wrong.onApplicationShutdown(), failing.onApplicationShutdown()]);
    }
  });
});

/**
 * Secrets Manager's GetSecretValue as the SDK speaks it (JSON protocol, `X-Amz-Target`), on loopback: the secret's
 * value is whatever the test last rotated it to.
 */
async function startSecretsManager(secretId: string, initial: string) {
  const state = { value: initial, reads: 0 };
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const asked = (JSON.parse(body) as { SecretId?: string }).SecretId;
      if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue' || asked !== secretId) {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'no such secret' }));
        return;
      }
      state.reads++;
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(
        JSON.stringify({ ARN: secretId, Name: 'navius-db', SecretString: state.value, VersionId: `v${state.reads}` }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe('DatabaseService with the password in Secrets Manager, rotated under it', () => {
  const SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-navius-AbCdEf';
  const ROTATED = 'rotated-password-2';
  let server: PostgresServer;
  let secrets: Awaited<ReturnType<typeof startSecretsManager>>;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = await startPostgres({ password: PASSWORD });
    // The shape RDS-managed secrets have: JSON with username and password.
    secrets = await startSecretsManager(SECRET, JSON.stringify({ username: 'postgres', password: PASSWORD }));
  });
  afterAll(async () => {
    secrets.close();
    await server.destroy();
  });

  it('reads the secret once for N connections, and again as soon as the server refuses a rotated password', async () => {
    const aws = AwsClientFactory.standalone({
      region: 'eu-west-1',
      credentials: { static: { accessKeyId: 'AKIDEXAMPLEEXAMPLE01', secretAccessKey: 'not-a-real-secret' } },
      endpoints: { secretsmanager: secrets.url },
    });
    const database = new DatabaseService(
      {
        host: '127.0.0.1',
        port: server.port,
        user: 'postgres',
        database: 'postgres',
        max: 4,
        passwordSecret: { secretId: SECRET },
      },
      aws,
    );
    try {
      const pids = await Promise.all(
        Array.from({ length: 4 }, () =>
          database.query<{ pid: number }>({ name: 't.pid', text: 'SELECT pg_backend_pid() AS pid FROM pg_sleep(0.2)' }),
        ),
      );
      expect(new Set(pids.map(([row]) => row?.pid)).size).toBe(4);
      expect(secrets.state.reads).toBe(1);

      // Rotation: the server takes the new password, the secret holds it, the pool's connections are cut.
      const admin = new Client({ connectionString: server.url() });
      await admin.connect();
      await admin.query(`ALTER ROLE postgres PASSWORD '${ROTATED}'`);
      secrets.state.value = JSON.stringify({ username: 'postgres', password: ROTATED });
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname IS NOT NULL',
      );
      await admin.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));

      // The first new connection is refused with the cached password; the read is retried with the fresh one.
      const [row] = await database.read<{ ok: number }>({ name: 't.after-rotation', text: 'SELECT 1 AS ok' });
      expect(row?.ok).toBe(1);
      expect(secrets.state.reads).toBe(2);
      await database.query({ name: 't.write-after-rotation', text: 'SELECT 2' });
      expect(secrets.state.reads).toBe(2);
    } finally {
      await database.onApplicationShutdown();
    }
  });
});
