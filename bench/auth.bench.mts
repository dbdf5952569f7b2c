// npm run bench:auth — token validation throughput (a repeated token vs new tokens, each with a fresh RS256
// signature, against jose's bare RS256 verify) and the auth guard's share of a request (GET /v1/me against an
// unauthenticated route of the same app), alternating in one run; reports ratios, not absolute targets.
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, ROOT, saveResults } from './support/harness.mts';

const require = createRequire(import.meta.url);
require('reflect-metadata');
const dist = (path: string) => join(ROOT, 'dist', path);
const { LocalIssuer, LOCAL_TENANT_ID, loadOrCreateIssuerKey, signLocalToken } = require(
  dist('local/local-issuer.js'),
) as typeof import('../src/local/local-issuer.ts');
const { AuthModule } = require(dist('auth/auth.module.js')) as typeof import('../src/auth/auth.module.ts');
const { TokenAuthenticator } = require(
  dist('auth/token.authenticator.js'),
) as typeof import('../src/auth/token.authenticator.ts');
const { Controller, Get, Logger } = require('@nestjs/common') as typeof import('@nestjs/common');
const { NestFactory } = require('@nestjs/core') as typeof import('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify') as typeof import('@nestjs/platform-fastify');
const { importJWK, jwtVerify } = require('jose') as typeof import('jose');

const rounds = Number(process.argv[2] ?? 3);
const tokensPerRound = Number(process.argv[3] ?? 1_500);
const requestsPerRound = Number(process.argv[4] ?? 1_500);
const CLIENT_ID = '11111111-2222-4333-8444-555555555555';

/** The unauthenticated baseline: same app, same framework path, no guard. Decorators applied by hand (no TS decorators under type stripping). */
class BaselineController {
  open(): { ok: boolean } {
    return { ok: true };
  }
}
Get('open')(
  BaselineController.prototype,
  'open',
  Object.getOwnPropertyDescriptor(BaselineController.prototype, 'open')!,
);
Controller('bench')(BaselineController);
class BenchModule {}

const perSecond = (count: number, ms: number) => Math.round((count * 1000) / ms);
async function timed(run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

const dataDir = await mkdtemp(join(tmpdir(), 'navius-bench-auth-'));
const issuer = await LocalIssuer.start({ dataDir });
Logger.overrideLogger(false);
const app = await NestFactory.create(
  {
    module: BenchModule,
    imports: [
      AuthModule.forRoot({
        authorityHost: issuer.authorityHost,
        tenantId: LOCAL_TENANT_ID,
        clientId: CLIENT_ID,
        audiences: [CLIENT_ID],
        allowedTenants: [],
        clockSkewSeconds: 300,
        roleMap: { 'Documents.Read': ['Documents.Read'] },
        scopeMap: {},
        allowHttpAuthority: true,
        claimsCacheMaxEntries: 100_000,
      }),
    ],
    controllers: [BaselineController],
  },
  new FastifyAdapter(),
  { logger: false },
);
await app.init();
const fastify = app.getHttpAdapter().getInstance();
await fastify.ready();

try {
  const authenticator = app.get(TokenAuthenticator);
  const sign = () => signLocalToken({ dataDir, clientId: CLIENT_ID, app: true, roles: ['Documents.Read'] });
  const publicKey = await importJWK((await loadOrCreateIssuerKey(dataDir)).publicJwk, 'RS256');
  const repeated = await sign();
  await authenticator.authenticate(repeated);

  const results = { joseVerify: [] as number[], newTokens: [] as number[], repeatedToken: [] as number[] };
  const request = { me: [] as number[], meNewTokens: [] as number[], open: [] as number[] };
  let repeatedVerifications = 0;
  const inject = async (url: string, token?: string) => {
    const response = await fastify.inject({
      method: 'GET',
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    if (response.statusCode !== 200) throw new Error(`GET ${url} answered ${response.statusCode}`);
  };
  // Small batches of each kind alternate, so the noise of a shared machine falls on all of them alike.
  const BATCH = 50;

  for (let round = 0; round <= rounds; round += 1) {
    const fresh = await Promise.all(Array.from({ length: tokensPerRound }, sign));
    const freshForRequests = await Promise.all(Array.from({ length: requestsPerRound }, sign));
    const ms = { jose: 0, fresh: 0, repeated: 0, open: 0, me: 0, meNew: 0 };
    const before = authenticator.stats.verifications;
    let repeatedVerificationsNow = 0;
    for (let offset = 0; offset < tokensPerRound; offset += BATCH) {
      const batch = fresh.slice(offset, offset + BATCH);
      ms.jose += await timed(async () => {
        for (const token of batch) await jwtVerify(token, publicKey, { algorithms: ['RS256'] });
      });
      ms.fresh += await timed(async () => {
        for (const token of batch) await authenticator.authenticate(token);
      });
      const verifiedSoFar = authenticator.stats.verifications;
      ms.repeated += await timed(async () => {
        for (let i = 0; i < batch.length * 20; i += 1) await authenticator.authenticate(repeated);
      });
      repeatedVerificationsNow += authenticator.stats.verifications - verifiedSoFar;
    }
    if (authenticator.stats.verifications - before - repeatedVerificationsNow !== tokensPerRound) {
      throw new Error('every new token should have been verified exactly once');
    }
    for (let offset = 0; offset < requestsPerRound; offset += BATCH) {
      const batch = freshForRequests.slice(offset, offset + BATCH);
      ms.open += await timed(async () => {
        for (let i = 0; i < batch.length; i += 1) await inject('/bench/open');
      });
      ms.me += await timed(async () => {
        for (let i = 0; i < batch.length; i += 1) await inject('/v1/me', repeated);
      });
      ms.meNew += await timed(async () => {
        for (const token of batch) await inject('/v1/me', token);
      });
    }
    if (round === 0) continue; // warm-up: JIT, key import, caches
    repeatedVerifications += repeatedVerificationsNow;
    results.joseVerify.push(perSecond(tokensPerRound, ms.jose));
    results.newTokens.push(perSecond(tokensPerRound, ms.fresh));
    results.repeatedToken.push(perSecond(tokensPerRound * 20, ms.repeated));
    request.open.push(ms.open / requestsPerRound);
    request.me.push(ms.me / requestsPerRound);
    request.meNewTokens.push(ms.meNew / requestsPerRound);
  }

  const jose = median(results.joseVerify);
  const fresh = median(results.newTokens);
  const cached = median(results.repeatedToken);
  const open = median(request.open);
  const me = median(request.me);
  const meNew = median(request.meNewTokens);
  const round3 = (value: number) => Math.round(value * 1000) / 1000;
  const report = {
    benchmark: 'auth',
    rounds,
    validationsPerSecond: { joseRs256Verify: jose, newTokens: fresh, repeatedToken: cached },
    ratios: {
      repeatedOverNew: round3(cached / fresh),
      newOverBareJose: round3(fresh / jose),
    },
    signatureVerificationsOnRepeatedPath: repeatedVerifications,
    request: {
      method: 'fastify.inject (in-process, no network)',
      msPerRequest: { unauthenticated: round3(open), meRepeatedToken: round3(me), meNewToken: round3(meNew) },
      guardShareRepeatedToken: round3(1 - open / me),
      guardShareNewToken: round3(1 - open / meNew),
    },
    runs: { ...results, ...request },
  };
  const file = await saveResults('auth', report);
  console.log(
    `validations/s: repeated token ${cached}, new tokens ${fresh}, bare jose RS256 verify ${jose}\n` +
      `ratio repeated/new: ${report.ratios.repeatedOverNew}; new/bare jose: ${report.ratios.newOverBareJose}\n` +
      `signature verifications during ${rounds * tokensPerRound * 20} repeated validations: ${repeatedVerifications}\n` +
      `per request: unauthenticated ${report.request.msPerRequest.unauthenticated} ms, GET /v1/me ` +
      `${report.request.msPerRequest.meRepeatedToken} ms (repeated token), ${report.request.msPerRequest.meNewToken} ms (new token)\n` +
      `guard share of a request: ${(report.request.guardShareRepeatedToken * 100).toFixed(1)} % (repeated token), ` +
      `${(report.request.guardShareNewToken * 100).toFixed(1)} % (new token) → ${file}`,
  );
  if (repeatedVerifications !== 0) process.exitCode = 1;
} finally {
  await app.close();
  await issuer.stop();
  await rm(dataDir, { recursive: true, force: true });
}
