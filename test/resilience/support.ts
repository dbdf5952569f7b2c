import { randomUUID } from 'node:crypto';
import { LocalIssuer, signLocalToken } from '../../src/local/local-issuer';
import { LocalS3 } from '../../src/local/local-s3';
import { tempDir } from '../support/app';
import { startProcess, type ServiceProcess } from '../support/process';
import { startPostgres, startRedis, type PostgresServer, type RedisServer } from '../support/services';
import { standInsEnv } from '../support/stand-ins.mts';

export const TENANT = '7b0c1f3e-5a2d-4c8b-9e6f-1a2b3c4d5e6f';
export const CLIENT = '5f6e7d8c-9b0a-4c1d-8e2f-3a4b5c6d7e8f';
const BUCKET = 'navius-resilience';

/** Every dependency of the service as a server the test owns and may stop: PostgreSQL, Redis, S3, the issuer. */
export interface Estate {
  postgres: PostgresServer;
  redis: RedisServer;
  s3: LocalS3;
  s3Port: number;
  issuer: LocalIssuer;
  issuerPort: number;
  service: ServiceProcess;
  token: string;
  restartS3(): Promise<void>;
  restartIssuer(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startEstate(env: Record<string, string> = {}): Promise<Estate> {
  const dir = await tempDir('navius-resilience-');
  const postgres = await startPostgres();
  const redis = await startRedis();
  let s3 = await LocalS3.start({ dataDir: dir.path, bucket: BUCKET });
  const s3Port = Number(new URL(s3.endpoint).port);
  let issuer = await LocalIssuer.start({ dataDir: dir.path });
  const issuerPort = Number(new URL(issuer.authorityHost).port);
  const service = await startProcess({
    LOCAL_DATA_DIR: dir.path,
    DATABASE_URL: postgres.url(),
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `resilience-${randomUUID()}:`,
    ...standInsEnv(s3, BUCKET, issuer, { tenantId: TENANT, clientId: CLIENT }),
    LOG_LEVEL: 'warn',
    ...env,
  });
  const token = await signLocalToken({
    dataDir: dir.path,
    clientId: CLIENT,
    tenantId: TENANT,
    roles: ['Documents.Read', 'Documents.Write'],
  });
  return {
    postgres,
    redis,
    get s3() {
      return s3;
    },
    s3Port,
    get issuer() {
      return issuer;
    },
    issuerPort,
    service,
    token,
    restartS3: async () => {
      s3 = await LocalS3.start({ dataDir: dir.path, bucket: BUCKET, port: s3Port });
    },
    restartIssuer: async () => {
      issuer = await LocalIssuer.start({ dataDir: dir.path, port: issuerPort });
    },
    destroy: async () => {
      service.child.kill('SIGTERM');
      await service.exited;
      await Promise.allSettled([postgres.destroy(), redis.destroy(), s3.stop(), issuer.stop()]);
      await dir.remove();
    },
  };
}

export interface Outcome {
  status: number;
  retryAfter: string | null;
  body: Record<string, unknown>;
  /** The request got no answer within the client's limit: counted as hung. */
  hung?: boolean;
}

/** One request with a client-side limit, so a hung request is seen as such instead of stalling the test. */
export async function attempt(url: string, init: RequestInit = {}, limitMs = 20_000): Promise<Outcome> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(limitMs) });
    const text = await response.text();
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return { status: 0, retryAfter: null, body: {}, hung: true };
    throw error;
  }
}

/** Runs `one` from `concurrency` loops until `stop()` is called; every outcome is kept. */
export function keepLoading(concurrency: number, one: () => Promise<Outcome>) {
  const outcomes: Outcome[] = [];
  let running = true;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) outcomes.push(await one());
  });
  return {
    outcomes,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
