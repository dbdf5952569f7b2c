import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/services';
import { attempt, keepLoading, sleep, startEstate, type Estate, type Outcome } from './support';

/**
 * Fault injection with real services and load running (npm run test:resilience, part of npm test):
 * every dependency is a server this suite owns, stopped and restarted under traffic.
 */
describe('resilience under load', () => {
  let estate: Estate;
  let auth: Record<string, string>;
  let readId: string;

  const createDocument = (name: string, size = 3) =>
    attempt(`${estate.service.url}/v1/documents`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name, contentType: 'text/plain', size }),
    });
  const readDocument = () => attempt(`${estate.service.url}/v1/documents/${readId}`, { headers: auth });
  const noServerErrors = (outcomes: Outcome[]) =>
    outcomes.filter((o) => o.hung || (o.status >= 500 && !(o.status === 503 && o.retryAfter)));

  beforeAll(async () => {
    estate = await startEstate();
    auth = { authorization: `Bearer ${estate.token}` };
    const created = await createDocument('read-me.txt');
    expect(created.status).toBe(201);
    readId = (created.body.document as { id: string }).id;
  });
  afterAll(async () => estate?.destroy());

  it('keeps known signing keys working while the JWKS endpoint is down', async () => {
    expect((await readDocument()).status).toBe(200);
    await estate.issuer.stop();
    try {
      const load = keepLoading(4, readDocument);
      await sleep(1_000);
      const outcomes = await load.stop();
      expect(outcomes.length).toBeGreaterThan(0);
      expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
    } finally {
      await estate.restartIssuer();
    }
  });

  it('serves every read while Redis is stopped and restarted (0 5xx), and the cache tier recovers', async () => {
    const load = keepLoading(8, readDocument);
    await sleep(500);
    await estate.redis.stop();
    await sleep(2_000);
    await estate.redis.start();
    await sleep(500);
    const outcomes = await load.stop();
    expect(outcomes.length).toBeGreaterThan(20);
    expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
    await waitFor(async () => {
      const ready = await attempt(`${estate.service.url}/health/ready`);
      return (ready.body.details as { cache?: { redis?: string } } | undefined)?.cache?.redis === 'up';
    }, 'the cache tier to report Redis up again');
  });

  it('keeps every acknowledged write across a PostgreSQL restart; failures are 503 with Retry-After, none hung', async () => {
    let counter = 0;
    const load = keepLoading(6, () => createDocument(`write-${(counter += 1)}.txt`));
    await sleep(500);
    await estate.postgres.stop();
    await sleep(1_500);
    await estate.postgres.start();
    await waitFor(async () => (await createDocument('after-restart.txt')).status === 201, 'writes to recover', 60_000);
    await sleep(500);
    const outcomes = await load.stop();

    expect(noServerErrors(outcomes)).toEqual([]);
    expect(outcomes.filter((o) => o.status !== 201 && o.status !== 503)).toEqual([]);
    const failed = outcomes.filter((o) => o.status === 503);
    expect(failed.length).toBeGreaterThan(0);
    for (const failure of failed) expect(Number(failure.retryAfter)).toBeGreaterThan(0);

    const acknowledged = outcomes.filter((o) => o.status === 201).map((o) => (o.body.document as { id: string }).id);
    const client = new Client({ connectionString: estate.postgres.url() });
    await client.connect();
    try {
      const rows = await client.query<{ id: string }>('SELECT id FROM documents WHERE id = ANY($1::uuid[])', [
        acknowledged,
      ]);
      expect(rows.rows.map((row) => row.id).sort()).toEqual([...acknowledged].sort());
    } finally {
      await client.end();
    }
  });

  it('answers 503 with Retry-After while S3 is down, opens the circuit, and recovers on its own', async () => {
    const content = Buffer.from('abc');
    const created = await attempt(`${estate.service.url}/v1/documents`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'during-outage.txt',
        contentType: 'text/plain',
        size: content.length,
        sha256: createHash('sha256').update(content).digest('hex'),
      }),
    });
    const id = (created.body.document as { id: string }).id;
    const upload = created.body.upload as { url: string; headers: Record<string, string> };
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: content })).status).toBe(200);

    await estate.s3.stop();
    const complete = () =>
      attempt(`${estate.service.url}/v1/documents/${id}/complete`, { method: 'POST', headers: auth });
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 8; i += 1) outcomes.push(await complete());
    expect(outcomes.every((o) => o.status === 503 && Number(o.retryAfter) > 0)).toBe(true);
    const ready = await attempt(`${estate.service.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(ready.body)).toContain('open');

    await estate.restartS3();
    await waitFor(async () => (await complete()).status === 200, 'completion to succeed after S3 returns', 60_000);
    await waitFor(async () => (await attempt(`${estate.service.url}/health/ready`)).status === 200, 'readiness');
  });
});
