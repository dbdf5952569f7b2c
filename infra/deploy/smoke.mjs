// Smoke test of a running service at any base URL: readiness, the OpenAPI document, an authenticated call (and
// that the same call without a token is refused). Used by the pipeline after each deployment and by the
// AfterAllowTestTraffic hook against the test listener.
//   node infra/deploy/smoke.mjs --base-url https://... [--token JWT] [--attempts 1] [--timeout-ms 5000] [--journey]
// --journey adds the whole document journey (the pipeline's integration check; the token needs Documents.Write).
// SMOKE_BASE_URL and SMOKE_TOKEN may stand for the flags (a token is best not put on a command line).
// Exit 0: every check passed; 1: a check failed; 2: bad arguments. The token is never printed.
/* eslint-disable no-restricted-properties -- a pipeline tool, not the service: src/config does not run here */
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * @typedef {{ name: string, ok: boolean, detail: string }} CheckResult
 * @typedef {{ baseUrl: string, token: string, timeoutMs?: number, attempts?: number, retryDelayMs?: number, journey?: boolean }} SmokeOptions
 */

/** @param {string} base @param {string} path @param {string | undefined} token @param {number} timeoutMs */
async function get(base, path, token, timeoutMs) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const response = await fetch(new URL(path, base), { headers, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  /** @type {unknown} */
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body };
}

/** @param {unknown} value @returns {Record<string, unknown>} */
const record = (value) =>
  typeof value === 'object' && value !== null ? /** @type {Record<string, unknown>} */ (value) : {};

/** @type {Record<string, (o: Required<SmokeOptions>) => Promise<string>>} */
const CHECKS = {
  async ready({ baseUrl, timeoutMs }) {
    const { status, body } = await get(baseUrl, 'health/ready', undefined, timeoutMs);
    if (status !== 200 || record(body).status !== 'ok') throw new Error(`GET /health/ready answered ${status}`);
    return '200, status ok';
  },
  async openapi({ baseUrl, timeoutMs }) {
    const { status, body } = await get(baseUrl, 'openapi.json', undefined, timeoutMs);
    const version = record(body).openapi;
    const paths = Object.keys(record(record(body).paths));
    if (status !== 200 || typeof version !== 'string' || !version.startsWith('3.')) {
      throw new Error(`GET /openapi.json answered ${status} without an OpenAPI 3 document`);
    }
    if (!paths.includes('/v1/documents')) throw new Error('the OpenAPI document does not describe /v1/documents');
    return `OpenAPI ${version}, ${paths.length} paths`;
  },
  async authenticated({ baseUrl, token, timeoutMs }) {
    const { status, body } = await get(baseUrl, 'v1/me', token, timeoutMs);
    const subject = record(body).subject;
    if (status !== 200 || typeof subject !== 'string' || subject.length === 0) {
      throw new Error(`GET /v1/me with the token answered ${status}`);
    }
    return '200 with a principal';
  },
  async unauthenticated({ baseUrl, timeoutMs }) {
    const { status, contentType } = await get(baseUrl, 'v1/me', undefined, timeoutMs);
    if (status !== 401 || !contentType.includes('application/problem+json')) {
      throw new Error(`GET /v1/me without a token answered ${status} (${contentType}), not a 401 problem`);
    }
    return '401 problem+json';
  },
};

/**
 * The document journey against the deployed stack (database, S3 presigned upload and download, cache): create,
 * upload the bytes to the presigned URL, complete, read, download, delete. Needs Documents.Read and Documents.Write.
 * @param {Required<SmokeOptions>} options @returns {Promise<string>}
 */
async function documentJourney({ baseUrl, token, timeoutMs }) {
  const content = `navius smoke ${new Date().toISOString()}\n`;
  const signal = () => AbortSignal.timeout(timeoutMs);
  const api = async (/** @type {string} */ method, /** @type {string} */ path, /** @type {unknown} */ json) => {
    const response = await fetch(new URL(path, baseUrl), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) },
      body: json ? JSON.stringify(json) : undefined,
      signal: signal(),
    });
    const text = await response.text();
    return { status: response.status, body: record(text ? JSON.parse(text) : {}) };
  };
  const size = Buffer.byteLength(content);
  const created = await api('POST', 'v1/documents', { name: 'navius-smoke.txt', contentType: 'text/plain', size });
  if (created.status !== 201) throw new Error(`POST /v1/documents answered ${created.status}`);
  const id = String(record(created.body.document).id);
  const upload = record(created.body.upload);
  const headers = /** @type {Record<string, string>} */ (record(upload.headers));
  const put = await fetch(String(upload.url), { method: 'PUT', headers, body: content, signal: signal() });
  if (!put.ok) throw new Error(`upload to the presigned URL answered ${put.status}`);
  const completed = await api('POST', `v1/documents/${id}/complete`);
  if (completed.status !== 200 || record(completed.body.document).status !== 'available') {
    throw new Error(`POST /v1/documents/{id}/complete answered ${completed.status}`);
  }
  const read = await api('GET', `v1/documents/${id}`);
  if (read.status !== 200) throw new Error(`GET /v1/documents/{id} answered ${read.status}`);
  const link = await api('GET', `v1/documents/${id}/download`);
  const downloaded = await fetch(String(link.body.url), { signal: signal() });
  if (link.status !== 200 || (await downloaded.text()) !== content) {
    throw new Error(`the download (${link.status}, ${downloaded.status}) did not return the uploaded bytes`);
  }
  const deleted = await api('DELETE', `v1/documents/${id}`);
  if (deleted.status !== 204) throw new Error(`DELETE /v1/documents/{id} answered ${deleted.status}`);
  return `created, uploaded, completed, read, downloaded and deleted ${size} bytes`;
}

/**
 * Runs every check in order; each is tried up to `attempts` times (a fresh task may still be warming up).
 * @param {SmokeOptions} options @returns {Promise<CheckResult[]>}
 */
export async function runSmoke(options) {
  if (!options.token) throw new TypeError('a token is required for the authenticated check');
  const base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
  /** @type {Required<SmokeOptions>} */
  const settings = {
    timeoutMs: 5_000,
    attempts: 1,
    retryDelayMs: 2_000,
    journey: false,
    ...options,
    baseUrl: new URL(base).href,
  };
  /** @type {CheckResult[]} */
  const results = [];
  const checks = { ...CHECKS, ...(settings.journey ? { journey: documentJourney } : {}) };
  for (const [name, check] of Object.entries(checks)) {
    let detail = '';
    let ok = false;
    for (let attempt = 1; attempt <= settings.attempts && !ok; attempt += 1) {
      try {
        detail = await check(settings);
        ok = true;
      } catch (error) {
        detail = error instanceof Error ? error.message : String(error);
        if (attempt < settings.attempts) await sleep(settings.retryDelayMs);
      }
    }
    results.push({ name, ok, detail });
  }
  return results;
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'base-url': { type: 'string', default: process.env.SMOKE_BASE_URL },
        token: { type: 'string', default: process.env.SMOKE_TOKEN },
        attempts: { type: 'string', default: '1' },
        'timeout-ms': { type: 'string', default: '5000' },
        journey: { type: 'boolean', default: false },
      },
    }));
    if (!values['base-url'] || !URL.canParse(values['base-url']))
      throw new Error('--base-url (or SMOKE_BASE_URL) must be a URL');
    if (!values.token) throw new Error('--token (or SMOKE_TOKEN) is required');
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  const results = await runSmoke({
    baseUrl: values['base-url'],
    token: values.token,
    attempts: Number(values.attempts),
    timeoutMs: Number(values['timeout-ms']),
    journey: values.journey,
  });
  for (const { name, ok, detail } of results) console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
  const failed = results.filter((result) => !result.ok).length;
  console.log(
    failed === 0 ? `smoke passed against ${values['base-url']}` : `smoke FAILED: ${failed} of ${results.length} checks`,
  );
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
