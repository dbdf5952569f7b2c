import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthModuleOptions } from '../auth/auth.module-definition';
import { EntraTokenVerifier } from '../auth/entra-token.verifier';
import { LOCAL_CLIENT_ID, parseConfig } from '../config/app-config';
import { LOCAL_ISSUER_TEMPLATE, LOCAL_TENANT_ID, LocalIssuer, loadOrCreateIssuerKey } from './local-issuer';
import { runTokenCli } from './token.cli';

const TENANT = '12345678-1234-4234-8234-123456789abc';

let dataDir: string;
let issuer: LocalIssuer;

async function run(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runTokenCli(argv, () => parseConfig({ LOCAL_DATA_DIR: dataDir, ...env }), {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

function verifier(overrides: Partial<AuthModuleOptions> = {}): EntraTokenVerifier {
  const config = parseConfig({ LOCAL_DATA_DIR: dataDir });
  return new EntraTokenVerifier({
    ...config.entra,
    authorityHost: issuer.authorityHost,
    tenantId: 'organizations',
    allowedTenants: '*',
    allowHttpAuthority: true,
    ...overrides,
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'navius-token-cli-'));
  issuer = await LocalIssuer.start({ dataDir });
});

afterAll(async () => {
  await issuer.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm run token', () => {
  it('prints exactly one user token the verifier accepts with the requested roles', async () => {
    const { code, stdout, stderr } = await run(['--roles', 'Documents.Read,Documents.Write', '--name', 'Dev']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const token = stdout.trim();
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(decodeJwt(token)).toMatchObject({
      aud: LOCAL_CLIENT_ID,
      iss: LOCAL_ISSUER_TEMPLATE.replace('{tenantid}', LOCAL_TENANT_ID),
      ver: '2.0',
      idtyp: 'user',
      name: 'Dev',
    });
    const principal = await verifier().verify(token);
    expect(principal.permissions).toEqual(['Documents.Read', 'Documents.Write']);
    expect(principal.appOnly).toBe(false);
  });

  it('prints an app token for another tenant with --app --tenant --expires', async () => {
    const { code, stdout } = await run(['--roles', 'Audit.Read', '--app', '--tenant', TENANT, '--expires', '5m']);
    expect(code).toBe(0);
    const claims = decodeJwt(stdout.trim());
    expect(claims).toMatchObject({ tid: TENANT, idtyp: 'app', roles: ['Audit.Read'] });
    expect(claims.scp).toBeUndefined();
    expect(claims.sub).toBe(claims['oid']);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(300);
    expect(await verifier().verify(stdout.trim())).toMatchObject({ tenantId: TENANT, appOnly: true });
  });

  it('prints a v1.0 token with groups with --v1 --groups, accepted only where v1 is enabled', async () => {
    const group = 'abcdef01-2345-4678-89ab-cdef01234567';
    const { code, stdout } = await run(['--roles', 'Nothing.Mapped', '--groups', group, '--v1']);
    expect(code).toBe(0);
    const token = stdout.trim();
    expect(decodeJwt(token)).toMatchObject({
      iss: `https://sts.windows.net/${LOCAL_TENANT_ID}/`,
      ver: '1.0',
      groups: [group],
    });
    await expect(verifier().verify(token)).rejects.toMatchObject({ reason: 'v1_token_refused' });
    const v1 = verifier({ acceptV1Tokens: true, groupMap: { [group.toUpperCase()]: ['Audit.Read'] } });
    expect((await v1.verify(token)).permissions).toEqual(['Audit.Read']);
  });

  it.each([
    [['--groups', 'not-a-guid']],
    [['--bogus']],
    [['--tenant', 'contoso']],
    [['--oid', '42']],
    [['--expires', 'forever']],
    [['--app']],
    [['--app', '--roles', 'Audit.Read', '--scopes', 'Documents.Read']],
    [['positional']],
  ])('exits 2 with a message on stderr and nothing on stdout for %j', async (argv) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.length).toBeGreaterThan(0);
  });

  it('refuses to run outside the local profile', async () => {
    const { code, stderr } = await run(['--roles', 'Audit.Read'], { APP_PROFILE: 'aws' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/Invalid configuration|local/);
  });

  it('keeps one signing key under the data dir, private to the owner', async () => {
    const first = await loadOrCreateIssuerKey(dataDir);
    const again = await loadOrCreateIssuerKey(dataDir);
    expect(again.privateJwk.kid).toBe(first.privateJwk.kid);
    expect(first.publicJwk).not.toHaveProperty('d');
    expect((await stat(join(dataDir, 'issuer', 'signing-key.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'issuer'))).mode & 0o777).toBe(0o700);
  });
});
