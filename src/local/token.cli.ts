import { parseArgs } from 'node:util';
import { loadConfig, type AppConfig } from '../config/app-config';
import { signLocalToken, type LocalTokenOptions } from './local-issuer';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIME_SPAN = /^\d+\s?(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days)$/i;

const USAGE =
  'Usage: npm run token -- [--roles R1,R2] [--scopes S1,S2] [--groups G1,G2] [--tenant GUID] [--oid GUID] [--app] [--v1] [--expires 1h] [--name N]';

/** A command-line mistake: reported on stderr with exit code 2. */
export class UsageError extends Error {}

/** Turns the command line into token options (without dataDir and clientId, which come from configuration). */
export function parseTokenArgs(argv: string[]): Omit<LocalTokenOptions, 'dataDir' | 'clientId'> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        roles: { type: 'string' },
        scopes: { type: 'string' },
        groups: { type: 'string' },
        v1: { type: 'boolean', default: false },
        tenant: { type: 'string' },
        oid: { type: 'string' },
        app: { type: 'boolean', default: false },
        expires: { type: 'string', default: '1h' },
        name: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.tenant !== undefined && !GUID.test(values.tenant)) throw new UsageError('--tenant must be a GUID');
  if (values.oid !== undefined && !GUID.test(values.oid)) throw new UsageError('--oid must be a GUID');
  if (!TIME_SPAN.test(values.expires)) throw new UsageError('--expires must be a time span such as 30m, 1h or 2d');
  if (values.app && values.scopes !== undefined) throw new UsageError('--scopes cannot be used with --app');
  const roles = splitList(values.roles);
  const groups = splitList(values.groups);
  if (groups.some((group) => !GUID.test(group))) throw new UsageError('--groups must be group object GUIDs');
  if (values.app && roles.length === 0) throw new UsageError('--app needs --roles: an app token carries roles only');
  return {
    roles,
    scopes: splitList(values.scopes),
    groups,
    version: values.v1 ? '1.0' : '2.0',
    tenantId: values.tenant,
    objectId: values.oid,
    app: values.app,
    expiresIn: values.expires,
    name: values.name,
  };
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

export interface CliOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Prints exactly one JWT on stdout; returns the process exit code (2: bad arguments or configuration). */
export async function runTokenCli(
  argv: string[],
  config: () => AppConfig = loadConfig,
  output: CliOutput = processOutput,
): Promise<number> {
  try {
    const options = parseTokenArgs(argv);
    const { profile, localDataDir, entra } = config();
    if (profile !== 'local') throw new UsageError('The local dev issuer only serves APP_PROFILE=local');
    const token = await signLocalToken({ ...options, dataDir: localDataDir, clientId: entra.clientId });
    output.stdout(`${token}\n`);
    return 0;
  } catch (err) {
    output.stderr(`${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof UsageError || (err as Error).name === 'ConfigError' ? 2 : 1;
  }
}

if (typeof require !== 'undefined' && require.main === module) {
  void runTokenCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
