import { parse } from '@cdktn/hcl2json';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve as resolvePath } from 'node:path';

export const REPO = resolvePath(__dirname, '../../..');
export const INFRA = join(REPO, 'infra');

export type Raw = Record<string, unknown>;

/** One Terraform configuration directory, its files parsed and merged the way Terraform merges them. */
export interface ModuleDef {
  dir: string;
  files: Record<string, Raw>;
  resources: Array<{ mode: 'resource' | 'data'; type: string; name: string; raw: Raw; file: string }>;
  modules: Record<string, Raw>;
  variables: Record<string, Raw>;
  outputs: Record<string, Raw>;
  locals: Raw;
  terraform: Raw[];
  providers: Record<string, Raw[]>;
}

const cache = new Map<string, Promise<ModuleDef>>();

export function terraformFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.tf'))
    .sort();
}

export function loadModule(dir: string): Promise<ModuleDef> {
  let loaded = cache.get(dir);
  if (!loaded) {
    loaded = readModule(dir);
    cache.set(dir, loaded);
  }
  return loaded;
}

/** Parses HCL source the way loadModule does, for snippets that are not on disk. */
export async function moduleFromSource(name: string, files: Record<string, string>): Promise<ModuleDef> {
  const parsed: Record<string, Raw> = {};
  for (const [file, source] of Object.entries(files)) parsed[file] = (await parse(file, source)) as Raw;
  return merge(name, parsed);
}

async function readModule(dir: string): Promise<ModuleDef> {
  const parsed: Record<string, Raw> = {};
  // hcl2json keeps one wasm instance: files are parsed one after another.
  for (const file of terraformFiles(dir)) {
    parsed[file] = (await parse(file, readFileSync(join(dir, file), 'utf8'))) as Raw;
  }
  return merge(dir, parsed);
}

function merge(dir: string, files: Record<string, Raw>): ModuleDef {
  const def: ModuleDef = {
    dir,
    files,
    resources: [],
    modules: {},
    variables: {},
    outputs: {},
    locals: {},
    terraform: [],
    providers: {},
  };
  for (const [file, json] of Object.entries(files)) {
    for (const mode of ['resource', 'data'] as const) {
      for (const [type, byName] of Object.entries((json[mode] ?? {}) as Record<string, Record<string, Raw[]>>)) {
        for (const [name, bodies] of Object.entries(byName)) {
          def.resources.push({ mode, type, name, raw: bodies[0] ?? {}, file });
        }
      }
    }
    for (const [key, target] of [
      ['module', def.modules],
      ['variable', def.variables],
      ['output', def.outputs],
    ] as const) {
      for (const [name, bodies] of Object.entries((json[key] ?? {}) as Record<string, Raw[]>))
        target[name] = bodies[0] ?? {};
    }
    for (const locals of (json.locals ?? []) as Raw[]) Object.assign(def.locals, locals);
    def.terraform.push(...((json.terraform ?? []) as Raw[]));
    for (const [name, bodies] of Object.entries((json.provider ?? {}) as Record<string, Raw[]>)) {
      def.providers[name] = [...(def.providers[name] ?? []), ...bodies];
    }
  }
  return def;
}

export interface Root {
  name: string;
  dir: string;
  tfvarsFile: string | undefined;
}

/** The configurations Terraform is run in: bootstrap and the four environments. */
export function roots(): Root[] {
  const envs = readdirSync(join(INFRA, 'envs'))
    .filter((env) => statSync(join(INFRA, 'envs', env)).isDirectory())
    .sort()
    .map((env) => ({
      name: env,
      dir: join(INFRA, 'envs', env),
      tfvarsFile: join(INFRA, 'envs', env, 'terraform.tfvars'),
    }));
  return [
    {
      name: 'bootstrap',
      dir: join(INFRA, 'bootstrap'),
      tfvarsFile: join(INFRA, 'bootstrap', 'terraform.tfvars.example'),
    },
    ...envs,
  ];
}

export async function readTfvars(file: string | undefined): Promise<Raw> {
  if (!file || !existsSync(file)) return {};
  return (await parse(file, readFileSync(file, 'utf8'))) as Raw;
}

export function relativeToRepo(path: string): string {
  return relative(REPO, path);
}
