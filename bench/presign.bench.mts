// npm run bench:presign — presigned URLs per second: the SDK's getSignedUrl per call (the baseline) against the
// storage room's PreparedPresigner (the SDK's own S3RequestPresigner on a request prepared once per command shape)
// and against StorageService.presignUpload (the whole PUT path: lifetime capped by the credentials, headers),
// in alternating batches within one run; also the SDK's S3RequestPresigner alone on a request serialized by hand,
// the ceiling of any presigner built on the SDK. Target: PreparedPresigner ≥ 10 × getSignedUrl. Ratios, not absolutes.
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { median, ROOT, saveResults } from './support/harness.mts';

const require = createRequire(import.meta.url);
require('reflect-metadata');
const dist = (path: string) => join(ROOT, 'dist', path);
const { PutObjectCommand } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
const { getSignedUrl } = require('@aws-sdk/s3-request-presigner') as typeof import('@aws-sdk/s3-request-presigner');
const { NestFactory } = require('@nestjs/core') as typeof import('@nestjs/core');
const { StorageModule } = require(
  dist('storage/storage.module.js'),
) as typeof import('../src/storage/storage.module.ts');
const { StorageService } = require(
  dist('storage/storage.service.js'),
) as typeof import('../src/storage/storage.service.ts');
const { StorageClients } = require(
  dist('storage/storage.clients.js'),
) as typeof import('../src/storage/storage.clients.ts');
const { KeyCachingSha256 } = require(
  dist('storage/storage.hash.js'),
) as typeof import('../src/storage/storage.hash.ts');
const { S3RequestPresigner } =
  require('@aws-sdk/s3-request-presigner') as typeof import('@aws-sdk/s3-request-presigner');
const { HttpRequest } = require('@smithy/core/protocols') as typeof import('@smithy/core/protocols');
const { formatUrl } = require('@aws-sdk/core/util') as typeof import('@aws-sdk/core/util');

const rounds = Number(process.argv[2] ?? 5);
const urlsPerBatch = Number(process.argv[3] ?? 2_000);
const BATCHES_PER_ROUND = 4;

// The service's own client (AWS core factory: metrics and circuit-breaker middleware), path style to a custom endpoint.
const context = await NestFactory.createApplicationContext(
  StorageModule.forRoot({
    bucket: 'navius-bench',
    region: 'eu-west-1',
    endpoint: 'http://127.0.0.1:4569',
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDBENCHMARK', secretAccessKey: 'bench-secret-not-real' },
  }),
  { logger: false },
);
const clients = context.get(StorageClients);
const storage = context.get(StorageService);
const client = clients.primary.client;
const presigner = clients.primary.presigner;

const SIGNED = new Set(['content-type', 'content-length', 'x-amz-checksum-sha256']);
const UNHOISTED = new Set(['x-amz-checksum-sha256']);
const checksum = Buffer.alloc(32, 7).toString('base64');
const keys = Array.from({ length: urlsPerBatch }, () => storage.documentObjectKey(randomUUID(), randomUUID()));
const command = (key: string) =>
  new PutObjectCommand({
    Bucket: 'navius-bench',
    Key: key,
    ContentType: 'application/pdf',
    ContentLength: 123_456,
    ChecksumSHA256: checksum,
  });

async function batch(sign: (key: string, signingDate: Date) => Promise<string>): Promise<number> {
  const signingDate = new Date(Math.floor(Date.now() / 1000) * 1000);
  const started = performance.now();
  for (const key of keys) await sign(key, signingDate);
  return (urlsPerBatch * 1000) / (performance.now() - started);
}

// The ceiling: the SDK's S3RequestPresigner alone on a request already serialized, as the SDK would for this PUT
// (the key already in its path), then the SDK's formatUrl: what any presigner built on the SDK pays per URL.
const signerAlone = new S3RequestPresigner({ ...client.config, sha256: KeyCachingSha256 });
const serializedPut = (key: string) =>
  new HttpRequest({
    method: 'PUT',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 4569,
    path: `/navius-bench/${key}`,
    query: { 'x-id': 'PutObject' },
    headers: {
      'content-type': 'application/pdf',
      'content-length': '123456',
      'x-amz-checksum-sha256': checksum,
      host: '127.0.0.1:4569',
    },
  });

const contenders = {
  getSignedUrl: (key: string, signingDate: Date) =>
    getSignedUrl(client, command(key), {
      expiresIn: 900,
      signingDate,
      signableHeaders: new Set(SIGNED),
      unhoistableHeaders: new Set(UNHOISTED),
    }),
  preparedPresigner: (key: string, signingDate: Date) =>
    presigner.presign(command(key), {
      expiresIn: 900,
      signingDate,
      signableHeaders: SIGNED,
      unhoistableHeaders: UNHOISTED,
    }),
  sdkSignerAlone: async (key: string, signingDate: Date) =>
    formatUrl(
      await signerAlone.presign(serializedPut(key), {
        expiresIn: 900,
        signingDate,
        signableHeaders: SIGNED,
        unhoistableHeaders: new Set(UNHOISTED),
      }),
    ),
  presignUpload: async (key: string) =>
    (
      await storage.presignUpload({
        key,
        contentType: 'application/pdf',
        contentLength: 123_456,
        sha256Base64: checksum,
      })
    ).url,
};
type Name = keyof typeof contenders;

// The same URL from both for the same inputs and clock (the spec checks this thoroughly; here as a guard).
const probeDate = new Date(Math.floor(Date.now() / 1000) * 1000);
const [baseline, prepared, alone] = await Promise.all([
  contenders.getSignedUrl(keys[0] as string, probeDate),
  contenders.preparedPresigner(keys[0] as string, probeDate),
  contenders.sdkSignerAlone(keys[0] as string, probeDate),
]);
if (baseline !== prepared) throw new Error('PreparedPresigner and getSignedUrl disagree: not benchmarking');
if (baseline !== alone) throw new Error('The SDK signer alone and getSignedUrl disagree: not benchmarking');

// Warm-up: JIT, the prepared request, the signing-key cache.
for (const sign of Object.values(contenders)) await batch(sign);

const runs: Record<Name, number[]> = { getSignedUrl: [], preparedPresigner: [], sdkSignerAlone: [], presignUpload: [] };
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < BATCHES_PER_ROUND; i++) {
    // Alternating batches: drift on the shared machine falls on every contender alike.
    for (const name of Object.keys(contenders) as Name[]) runs[name].push(Math.round(await batch(contenders[name])));
  }
}
await context.close();

const urlsPerSecond = Object.fromEntries(
  (Object.keys(runs) as Name[]).map((name) => [name, Math.round(median(runs[name]))]),
) as Record<Name, number>;
const ratio = (name: Name) => Math.round((urlsPerSecond[name] / urlsPerSecond.getSignedUrl) * 100) / 100;
const report = {
  benchmark: 'presign',
  method: `${rounds} rounds × ${BATCHES_PER_ROUND} alternating batches of ${urlsPerBatch} PUT URLs per contender`,
  urlsPerSecond,
  ratios: {
    preparedOverGetSignedUrl: ratio('preparedPresigner'),
    presignUploadOverGetSignedUrl: ratio('presignUpload'),
    sdkSignerAloneOverGetSignedUrl: ratio('sdkSignerAlone'),
  },
  target: 10,
  meetsTarget: ratio('preparedPresigner') >= 10,
  runs,
};
const file = await saveResults('presign', report);
console.log(
  `getSignedUrl: ${urlsPerSecond.getSignedUrl} URLs/s\n` +
    `PreparedPresigner.presign: ${urlsPerSecond.preparedPresigner} URLs/s (${report.ratios.preparedOverGetSignedUrl}×)\n` +
    `StorageService.presignUpload: ${urlsPerSecond.presignUpload} URLs/s (${report.ratios.presignUploadOverGetSignedUrl}×)\n` +
    `the SDK's S3RequestPresigner alone + formatUrl (the ceiling): ${urlsPerSecond.sdkSignerAlone} URLs/s (${report.ratios.sdkSignerAloneOverGetSignedUrl}×)\n` +
    `target ≥ 10× → ${report.meetsTarget ? 'met' : 'NOT met'} → ${file}`,
);
