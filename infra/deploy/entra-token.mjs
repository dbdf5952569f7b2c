// An app-only Entra access token for the smoke and integration checks (OAuth 2.0 client credentials). The client's
// secret lives in AWS Secrets Manager as JSON {tenantId, clientId, clientSecret, scope[, authorityHost]}: the
// pipeline receives it as a file through GitLab `secrets:`, the deployment hook reads it with the SDK.
//   node infra/deploy/entra-token.mjs --secret-file <path>    prints the token on stdout, nothing else
import { readFile } from 'node:fs/promises';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * @typedef {{ tenantId: string, clientId: string, clientSecret: string, scope: string, authorityHost?: string }} ClientSecret
 */

/** @param {unknown} value @returns {ClientSecret} */
export function parseClientSecret(value) {
  const secret = /** @type {Record<string, unknown>} */ (typeof value === 'object' && value !== null ? value : {});
  const missing = ['tenantId', 'clientId', 'clientSecret', 'scope'].filter((key) => typeof secret[key] !== 'string');
  if (missing.length > 0) throw new Error(`the smoke client secret lacks ${missing.join(', ')}`);
  return /** @type {ClientSecret} */ (secret);
}

/** Asks Entra's token endpoint for an app-only token. @param {ClientSecret} secret @returns {Promise<string>} */
export async function clientCredentialsToken(secret) {
  const authority = (secret.authorityHost ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
  const response = await fetch(`${authority}/${encodeURIComponent(secret.tenantId)}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: secret.clientId,
      client_secret: secret.clientSecret,
      scope: secret.scope,
    }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = /** @type {{ access_token?: string, error?: string }} */ (await response.json().catch(() => ({})));
  if (!response.ok || typeof body.access_token !== 'string') {
    throw new Error(`token endpoint answered ${response.status} ${body.error ?? ''}`.trim());
  }
  return body.access_token;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const { values } = parseArgs({ options: { 'secret-file': { type: 'string' } } });
    if (!values['secret-file']) throw new Error('--secret-file <path> is required');
    const secret = parseClientSecret(JSON.parse(await readFile(values['secret-file'], 'utf8')));
    process.stdout.write(`${await clientCredentialsToken(secret)}\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
