import fc from 'fast-check';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CLIENT_ID } from '../src/config/app-config';
import { signLocalToken } from '../src/local/local-issuer';
import { freshDatabase, tempDir } from './support/app';
import { startProcess, type ServiceProcess } from './support/process';

/** Seeded and reproducible: FUZZ_SEED=<n> replays a run; FUZZ_RUNS scales it (default 10,000 requests). */
const SEED = Number(process.env.FUZZ_SEED ?? 20261127);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

interface RawRequest {
  method: string;
  path: string;
  headers: OutgoingHttpHeaders;
  body?: Buffer;
}

const validId = fc.uuid();
const hostileId = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '..%2F..%2Fetc%2Fpasswd',
    '%2e%2e%2f%2e%2e%2f',
    "1' OR '1'='1",
    '1;DROP TABLE documents--',
    '00000000-0000-0000-0000-000000000000',
    '%00',
    '%ff%fe',
    'a'.repeat(5000),
    '${jndi:ldap://x}',
  ),
  validId,
);
const idSegment = fc.oneof(
  hostileId.map((id) => encodeURIComponent(id)),
  hostileId.filter((id) => !/[/?#\s]/.test(id)),
);

const validBody = fc.record({
  name: fc.string({ maxLength: 300 }),
  contentType: fc.oneof(fc.constantFrom('application/pdf', 'text/plain; charset=utf-8'), fc.string()),
  size: fc.oneof(fc.integer(), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER)),
  sha256: fc.oneof(
    fc.string(),
    fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }),
  ),
});
const mutatedBody = fc.oneof(
  fc.json().map((json) => Buffer.from(json)),
  validBody.map((body) => Buffer.from(JSON.stringify(body))),
  fc.anything().map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
  fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom(
    Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), // {"n":"\xc3("} invalid UTF-8
    Buffer.from('{"name": "a", "name": "b", "size": 1e400}'),
    Buffer.from(`{"name":"${'x'.repeat(70_000)}"}`),
    Buffer.from('[]'),
    Buffer.from('null'),
    Buffer.from('{"__proto__": {"admin": true}, "constructor": {"prototype": {}}}'),
  ),
);
const query = fc.record(
  {
    limit: fc.oneof(fc.integer({ min: -5, max: 1000 }).map(String), fc.string(), fc.constantFrom('1e3', 'NaN', '')),
    cursor: fc.oneof(fc.string(), fc.base64String(), fc.constantFrom('eyJ0IjoieCIsImkiOiJ5In0', '%00')),
  },
  { requiredKeys: [] },
);
const auditQuery = fc.record(
  {
    from: fc.oneof(
      fc.string(),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constant('9999-99-99'),
    ),
    to: fc.oneof(
      fc.string(),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    ),
    type: fc.oneof(fc.string(), fc.constantFrom('http.request', 'auth.failure', "'; DROP TABLE audit_events--")),
    format: fc.oneof(fc.string(), fc.constantFrom('json', 'csv', 'xml')),
    limit: fc.oneof(fc.integer({ min: -5, max: 100_000 }).map(String), fc.string()),
    cursor: fc.oneof(fc.string(), fc.base64String()),
  },
  { requiredKeys: [] },
);
const toQueryString = (q: Record<string, unknown>) => {
  const parts = Object.entries(q).map(([key, value]) => `${key}=${encodeURIComponent(value as string)}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
};
const queryString = query.map(toQueryString);

function routes(token: string): fc.Arbitrary<RawRequest> {
  const auth = fc.oneof(
    fc.constant<OutgoingHttpHeaders>({ authorization: `Bearer ${token}` }),
    fc.constant<OutgoingHttpHeaders>({}),
    fc
      .string({ maxLength: 200 })
      .map((s): OutgoingHttpHeaders => ({ authorization: `Bearer ${s.replace(/[\r\n]/g, '')}` })),
    // Node sends an array as the same header repeated.
    fc.constant<OutgoingHttpHeaders>({
      authorization: `Bearer ${token}`,
      'x-forwarded-for': ['10.0.0.1', '10.0.0.2'],
      'x-request-id': ['a', 'b'],
    }),
    fc.constant<OutgoingHttpHeaders>({ authorization: `Bearer ${'a'.repeat(12_000)}` }),
    fc.constant<OutgoingHttpHeaders>({ 'x-request-id': 'x'.repeat(9000), 'x-amzn-trace-id': 'Root=bogus;Parent=zz' }),
  );
  const contentType = fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
  );
  return fc.oneof(
    fc.tuple(auth, contentType, mutatedBody).map(([headers, type, body]) => ({
      method: 'POST',
      path: '/v1/documents',
      headers: { ...headers, 'content-type': type },
      body,
    })),
    fc.tuple(auth, idSegment, fc.constantFrom('', '/download')).map(([headers, id, suffix]) => ({
      method: 'GET',
      path: `/v1/documents/${id}${suffix}`,
      headers,
    })),
    fc
      .tuple(auth, idSegment, contentType, fc.option(mutatedBody), fc.constantFrom('/complete', '/upload'))
      .map(([headers, id, type, body, action]) => ({
        method: 'POST',
        path: `/v1/documents/${id}${action}`,
        headers: body ? { ...headers, 'content-type': type } : headers,
        body: body ?? undefined,
      })),
    fc
      .tuple(auth, fc.constantFrom('events', 'report'), auditQuery)
      .map(([headers, route, q]) => ({ method: 'GET', path: `/v1/audit/${route}${toQueryString(q)}`, headers })),
    // The verification takes no parameters (it walks the whole chain): hostile headers and stray query values.
    fc
      .tuple(auth, fc.option(auditQuery, { nil: undefined }))
      .map(([headers, q]) => ({ method: 'GET', path: `/v1/audit/verify${q ? toQueryString(q) : ''}`, headers })),
    fc.tuple(auth, contentType, mutatedBody).map(([headers, type, body]) => ({
      method: 'POST',
      path: '/v1/admin/sessions/revoke',
      headers: { ...headers, 'content-type': type },
      body,
    })),
    fc.tuple(auth, idSegment).map(([headers, id]) => ({ method: 'DELETE', path: `/v1/documents/${id}`, headers })),
    fc.tuple(auth, queryString).map(([headers, q]) => ({ method: 'GET', path: `/v1/documents${q}`, headers })),
    auth.map((headers) => ({ method: 'GET', path: '/v1/me', headers })),
    fc
      .tuple(
        auth,
        fc.constantFrom(
          '/health/live',
          '/health/ready',
          '/openapi.json',
          '/docs',
          '/v1/../../etc/passwd',
          '/%c0%ae%c0%ae/',
        ),
      )
      .map(([headers, path]) => ({ method: 'GET', path, headers })),
    fc
      .tuple(auth, fc.constantFrom('PUT', 'PATCH', 'OPTIONS', 'TRACE'), fc.constantFrom('/v1/documents', '/v1/me'))
      .map(([headers, method, path]) => ({ method, path, headers })),
  );
}

/** The answer's status and content type. */
function send(base: URL, raw: RawRequest): Promise<{ status: number; contentType: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method: raw.method,
        path: raw.path,
        headers: raw.headers,
        timeout: 30_000,
        // A connection of its own per request: a reused keep-alive socket the server just closed reads as a hang-up.
        agent: false,
      },
      (response) => {
        response.resume();
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'] ?? '' }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`hung: ${raw.method} ${raw.path}`)));
    req.on('error', (error) => reject(new Error(`${raw.method} ${raw.path.slice(0, 80)}: ${error.message}`)));
    req.end(raw.body);
  });
}

async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

describe(`fuzzing every route (${RUNS} malformed requests, seed ${SEED})`, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let service: ServiceProcess;

  beforeAll(async () => {
    database = await freshDatabase();
    dir = await tempDir();
    service = await startProcess({
      LOCAL_DATA_DIR: dir.path,
      DATABASE_URL: database.url,
      LOG_LEVEL: 'error',
      // A bounded heap, as in a container, so "stable" means the service's own memory and not V8's heap sizing on a
      // 24 GiB host (which lets garbage from chain walks pile up to ~600 MB before collecting it): a leak now ends
      // in an out-of-memory crash or in RSS growth, both caught below.
      NODE_OPTIONS: '--max-old-space-size=256 --max-semi-space-size=16',
    });
  });
  afterAll(async () => {
    service.child.kill('SIGTERM');
    await service.exited;
    await database.drop();
    await dir.remove();
  });

  it(
    'never answers 5xx, answers every 4xx as problem+json, never hangs, stays alive with stable memory',
    { timeout: 600_000 },
    async () => {
      const token = await signLocalToken({
        dataDir: dir.path,
        clientId: LOCAL_CLIENT_ID,
        // Every role, so the audit and session routes are reached past authorization too.
        roles: ['Documents.Read', 'Documents.Write', 'Audit.Read', 'Sessions.Revoke'],
      });
      const base = new URL(service.url);
      const samples = fc.sample(routes(token), { seed: SEED, numRuns: RUNS });
      const warmup = samples.slice(0, 500);
      const failures: string[] = [];
      const run = async (batch: RawRequest[]) => {
        for (let i = 0; i < batch.length; i += 25) {
          const answers = await Promise.all(batch.slice(i, i + 25).map((raw) => send(base, raw)));
          answers.forEach(({ status, contentType }, j) => {
            const raw = batch[i + j]!;
            // Bad input is a clear 4xx: problem+json, whatever refused it (router, parser, guard, validation).
            const unclear = status >= 400 && status < 500 && !contentType.startsWith('application/problem+json');
            if (status >= 500 || status === 0 || unclear) {
              failures.push(`${status} ${contentType} ${raw.method} ${raw.path.slice(0, 120)}`);
            }
          });
        }
      };
      await run(warmup);
      const rssAfterWarmup = await residentBytes(service.child.pid!);
      await run(samples.slice(500));
      const rssAtEnd = await residentBytes(service.child.pid!);

      expect(failures).toEqual([]);
      expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
      expect(service.child.exitCode).toBeNull();
      // Stable: after warm-up, 9,500 more hostile requests must not grow the process without bound.
      console.log(
        `RSS after warm-up ${Math.round(rssAfterWarmup / 2 ** 20)} MB, at the end ${Math.round(rssAtEnd / 2 ** 20)} MB`,
      );
      expect(rssAtEnd).toBeLessThan(rssAfterWarmup * 1.5 + 64 * 1024 * 1024);
    },
  );
});
