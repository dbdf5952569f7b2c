import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { INFRA, loadModule, readTfvars, relativeToRepo, roots, type ModuleDef } from './support/hcl-model';
import { referencesOf } from './support/references';

const MODULES = join(INFRA, 'modules');
const moduleDirs = readdirSync(MODULES)
  .sort()
  .map((name) => join(MODULES, name));
const rootDirs = roots().map((root) => root.dir);
const PROVIDERS: Record<string, string> = {
  aws: '~> 6.0',
  azuread: '~> 3.0',
  random: '~> 3.6',
  time: '~> 0.12',
  archive: '~> 2.7',
};
const META_ARGUMENTS = ['source', 'version', 'providers', 'count', 'for_each', 'depends_on'];

type Raw = Record<string, unknown>;
const first = (value: unknown): Raw => ((Array.isArray(value) ? value[0] : value) ?? {}) as Raw;

describe('Terraform layout (terraform-aws-modules conventions)', () => {
  const defs = new Map<string, ModuleDef>();

  beforeAll(async () => {
    for (const dir of [...moduleDirs, ...rootDirs]) defs.set(dir, await loadModule(dir));
  });

  it('gives every module main.tf, variables.tf, outputs.tf and versions.tf', () => {
    const missing = moduleDirs.flatMap((dir) =>
      ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf']
        .filter((file) => !existsSync(join(dir, file)))
        .map((file) => `${relativeToRepo(dir)}/${file}`),
    );
    expect(missing).toEqual([]);
  });

  it('declares variables in variables.tf and outputs in outputs.tf, each typed and described', () => {
    const problems: string[] = [];
    for (const [dir, def] of defs) {
      for (const [file, json] of Object.entries(def.files)) {
        for (const name of Object.keys((json.variable ?? {}) as Raw)) {
          if (file !== 'variables.tf') problems.push(`${relativeToRepo(dir)}: variable ${name} in ${file}`);
        }
        for (const name of Object.keys((json.output ?? {}) as Raw)) {
          if (file !== 'outputs.tf') problems.push(`${relativeToRepo(dir)}: output ${name} in ${file}`);
        }
      }
      for (const [name, variable] of Object.entries(def.variables)) {
        if (typeof variable.type !== 'string') problems.push(`${relativeToRepo(dir)}: variable ${name} has no type`);
        if (typeof variable.description !== 'string' || variable.description.length < 10) {
          problems.push(`${relativeToRepo(dir)}: variable ${name} has no description`);
        }
      }
      for (const [name, output] of Object.entries(def.outputs)) {
        if (typeof output.description !== 'string' || output.description.length < 10) {
          problems.push(`${relativeToRepo(dir)}: output ${name} has no description`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('pins Terraform >= 1.10 and every provider it uses to a major version, in versions.tf', () => {
    const problems: string[] = [];
    for (const [dir, def] of defs) {
      const versions = def.files['versions.tf'];
      const terraform = first(versions?.terraform);
      if (terraform.required_version !== '>= 1.10.0') problems.push(`${relativeToRepo(dir)}: required_version`);
      const required = first(terraform.required_providers) as Record<string, Raw>;
      const used = new Set(def.resources.map((resource) => resource.type.split('_')[0]!));
      for (const provider of used) {
        const entry = required[provider];
        if (entry?.source !== `hashicorp/${provider}` || entry.version !== PROVIDERS[provider]) {
          problems.push(`${relativeToRepo(dir)}: provider ${provider} not pinned to ${PROVIDERS[provider]}`);
        }
      }
      for (const [file, json] of Object.entries(def.files)) {
        if (file !== 'versions.tf' && json.terraform)
          problems.push(`${relativeToRepo(dir)}: terraform block in ${file}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives every environment an S3 backend with native locking and KMS-encrypted state in its account', () => {
    const problems: string[] = [];
    for (const root of roots().filter((r) => r.name !== 'bootstrap')) {
      const terraform = first(defs.get(root.dir)!.files['versions.tf']?.terraform);
      const backend = first((terraform.backend as Raw | undefined)?.s3);
      if (backend.use_lockfile !== true) problems.push(`${root.name}: use_lockfile`);
      if (backend.encrypt !== true) problems.push(`${root.name}: encrypt`);
      if ('dynamodb_table' in backend) problems.push(`${root.name}: deprecated dynamodb_table`);
      if (backend.key !== `envs/${root.name}/terraform.tfstate`)
        problems.push(`${root.name}: key ${String(backend.key)}`);
      const bucket = /^navius-tfstate-(\d{12})-([a-z0-9-]+)$/.exec(String(backend.bucket));
      if (!bucket || bucket[2] !== backend.region) problems.push(`${root.name}: bucket ${String(backend.bucket)}`);
      const key = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):key\//.exec(String(backend.kms_key_id));
      if (!key || key[1] !== backend.region || key[2] !== bucket?.[1]) problems.push(`${root.name}: kms_key_id ARN`);
    }
    expect(problems).toEqual([]);
  });

  it('locks every AWS provider to its account, region and default tags', () => {
    const problems: string[] = [];
    for (const root of roots()) {
      for (const provider of defs.get(root.dir)!.providers.aws ?? []) {
        for (const key of ['region', 'allowed_account_ids', 'default_tags']) {
          if (!(key in provider))
            problems.push(`${root.name}: aws provider ${String(provider.alias ?? '')} lacks ${key}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('resolves every reference to a declared variable, local, resource, module and module output', async () => {
    const problems: string[] = [];
    for (const [dir, def] of defs) {
      const declared = new Set(def.resources.map((r) => `${r.mode === 'data' ? 'data.' : ''}${r.type}.${r.name}`));
      for (const ref of referencesOf(def)) {
        const at = `${relativeToRepo(dir)} ${ref.where}`;
        if (ref.kind === 'var' && !(ref.name in def.variables)) problems.push(`${at}: var.${ref.name}`);
        if (ref.kind === 'local' && !(ref.name in def.locals)) problems.push(`${at}: local.${ref.name}`);
        if (ref.kind === 'resource' && !declared.has(ref.name)) problems.push(`${at}: ${ref.name}`);
        if (ref.kind === 'each' && !('for_each' in ref.meta)) problems.push(`${at}: each.${ref.name} without for_each`);
        if (ref.kind === 'count' && !('count' in ref.meta)) problems.push(`${at}: count.index without count`);
        if (ref.kind === 'module') {
          const call = def.modules[ref.name];
          if (!call) {
            problems.push(`${at}: module.${ref.name}`);
            continue;
          }
          const child = await loadModule(resolve(dir, String(call.source)));
          if (!(ref.attribute! in child.outputs))
            problems.push(`${at}: module.${ref.name}.${ref.attribute} is no output`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('passes each module call only declared variables, and every required one', async () => {
    const problems: string[] = [];
    for (const [dir, def] of defs) {
      for (const [name, call] of Object.entries(def.modules)) {
        const child = await loadModule(resolve(dir, String(call.source)));
        for (const argument of Object.keys(call).filter((key) => !META_ARGUMENTS.includes(key))) {
          if (!(argument in child.variables))
            problems.push(`${relativeToRepo(dir)} module.${name}: unknown argument ${argument}`);
        }
        for (const [variable, declaration] of Object.entries(child.variables)) {
          if (!('default' in declaration) && !(variable in call)) {
            problems.push(`${relativeToRepo(dir)} module.${name}: missing ${variable}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('sets in tfvars only declared variables, and every required non-secret one', async () => {
    const problems: string[] = [];
    for (const root of roots()) {
      const def = defs.get(root.dir)!;
      const tfvars = await readTfvars(root.tfvarsFile);
      for (const name of Object.keys(tfvars)) {
        if (!(name in def.variables)) problems.push(`${root.name}: tfvars sets undeclared ${name}`);
      }
      for (const [name, declaration] of Object.entries(def.variables)) {
        if (!('default' in declaration) && !(name in tfvars) && declaration.sensitive !== true) {
          problems.push(`${root.name}: ${name} has no value`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('uses every module from at least one root', () => {
    const used = new Set<string>();
    const visit = (dir: string): void => {
      for (const call of Object.values(defs.get(dir)?.modules ?? {})) {
        const child = resolve(dir, String(call.source));
        if (!used.has(child)) {
          used.add(child);
          visit(child);
        }
      }
    };
    rootDirs.forEach(visit);
    expect(moduleDirs.filter((dir) => !used.has(dir)).map((dir) => basename(dir))).toEqual([]);
  });

  it('composes the same service in every environment', () => {
    const service = [
      'kms',
      'network',
      'security_groups',
      'access_logs',
      'database',
      'cache',
      'alb',
      'app',
      'observability',
      'codedeploy',
      'backup',
      'pipeline',
      'deploy_hook',
      'operations_access',
    ];
    const owned: Record<string, string[]> = {
      dev: ['documents', 'entra'],
      staging: ['documents', 'entra'],
      prod: ['documents', 'entra', 'ecr', 'documents_replica', 'dr_backup_vault', 'dr_ecr'],
      dr: [],
    };
    const problems: string[] = [];
    for (const root of roots().filter((r) => r.name !== 'bootstrap')) {
      const calls = Object.keys(defs.get(root.dir)!.modules);
      for (const call of [...service, ...owned[root.name]!])
        if (!calls.includes(call)) problems.push(`${root.name}: no module.${call}`);
    }
    expect(problems).toEqual([]);
  });
});
