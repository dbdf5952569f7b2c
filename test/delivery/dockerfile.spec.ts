import { DockerfileParser, type Dockerfile, type Flag, type Instruction } from 'dockerfile-ast';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const RDS_BUNDLE = 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem';

interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

/** The stages of the Dockerfile, each with its FROM image resolved from the global ARG defaults. */
function stagesOf(dockerfile: Dockerfile): Stage[] {
  const globals = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'ARG' && stages.length === 0) {
      const [name, value = ''] = instruction.getArgumentsContent()?.split('=') ?? [];
      if (name) globals.set(name, value);
    }
    if (keyword === 'FROM') {
      const [image = '', , name = ''] = instruction.getArguments().map((argument) => argument.getValue());
      const resolved = image.replace(/\$\{(\w+)\}/g, (_, arg: string) => globals.get(arg) ?? `<unset ${arg}>`);
      stages.push({ name, image: resolved, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

const ofKind = (stage: Stage | undefined, keyword: string) =>
  (stage?.instructions ?? []).filter((instruction) => instruction.getKeyword() === keyword);
const argumentsOf = (instruction: Instruction) => instruction.getArguments().map((argument) => argument.getValue());
/** COPY's and ADD's flags (`--from`, `--chown`); other instructions have none. */
const flag = (instruction: Instruction, name: string) =>
  (instruction as Instruction & { getFlags?: () => Flag[] })
    .getFlags?.()
    .find((candidate) => candidate.getName() === name)
    ?.getValue();
/** The JSON (exec) form of CMD, ENTRYPOINT or HEALTHCHECK CMD: no shell in between to swallow signals. */
const execForm = (instruction: Instruction | undefined) => {
  const content = instruction?.getArgumentsContent() ?? '';
  return JSON.parse(content.replace(/^.*?CMD\s+/s, '')) as string[];
};
const envOf = (stage: Stage | undefined) =>
  new Map(
    ofKind(stage, 'ENV').flatMap((instruction) =>
      argumentsOf(instruction).map((pair) => pair.split('=') as [string, string]),
    ),
  );

describe('Dockerfile', () => {
  let stages: Stage[];
  let runtime: Stage | undefined;
  let packageJson: { scripts: Record<string, string>; devDependencies: Record<string, string> };

  beforeAll(async () => {
    stages = stagesOf(DockerfileParser.parse(await readFile(join(ROOT, 'Dockerfile'), 'utf8')));
    runtime = stages.at(-1);
    packageJson = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as typeof packageJson;
  });

  it('is multi-stage: dependencies → build → runtime, the runtime last', () => {
    expect(stages.map((stage) => stage.name)).toEqual(['base', 'deps', 'build', 'runtime']);
  });

  it('builds on Node 24 slim pinned to the exact version the project pins', () => {
    const external = stages.filter((stage) => !stages.some((other) => other.name === stage.image));
    expect(external.length).toBeGreaterThan(0);
    const pinned = packageJson.devDependencies.node?.replace(/^[\^~]/, '');
    for (const stage of external) expect(stage.image).toBe(`node:${pinned}-bookworm-slim`);
    expect(pinned).toMatch(/^24\.\d+\.\d+$/);
  });

  it('ships production dependencies only, installed without install scripts', () => {
    const install = ofKind(
      stages.find((stage) => stage.name === 'deps'),
      'RUN',
    ).map((run) => run.getArgumentsContent());
    expect(install.some((command) => /npm ci\b.*--omit=dev/.test(command ?? ''))).toBe(true);
    const copies = ofKind(runtime, 'COPY').filter((copy) => flag(copy, 'from'));
    const sources = copies.map((copy) => `${flag(copy, 'from')}:${argumentsOf(copy)[0]}`);
    expect(sources.sort()).toEqual(['build:/app/dist', 'deps:/app/node_modules']);
    expect(
      ofKind(runtime, 'RUN')
        .map((run) => run.getArgumentsContent())
        .join('\n'),
    ).not.toMatch(/npm (ci|install)/);
  });

  it('runs as a non-root user that owns none of the code', () => {
    const user = ofKind(runtime, 'USER').at(-1);
    const [uid] = (user?.getArgumentsContent() ?? 'root').split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    const keywords = runtime?.instructions.map((instruction) => instruction.getKeyword()) ?? [];
    expect(keywords.slice(keywords.lastIndexOf('USER')).filter((k) => ['RUN', 'COPY', 'ADD'].includes(k))).toEqual([]);
    for (const copy of ofKind(runtime, 'COPY')) expect(flag(copy, 'chown')).toBe('root:root');
  });

  it('writes only under /tmp, so a read-only root file system works', () => {
    const env = envOf(runtime);
    for (const name of ['LOCAL_DATA_DIR', 'TMPDIR', 'HOME', 'NPM_CONFIG_CACHE'])
      expect(env.get(name)).toMatch(/^\/tmp(\/|$)/);
    expect(ofKind(runtime, 'VOLUME')).toEqual([]);
  });

  it('forwards SIGTERM: tini is PID 1, the service runs in exec form, STOPSIGNAL is SIGTERM', () => {
    expect(execForm(ofKind(runtime, 'ENTRYPOINT').at(-1))).toEqual(['/usr/bin/tini', '--']);
    expect(
      ofKind(runtime, 'RUN').some((run) => /apt-get install .*\btini=/.test(run.getArgumentsContent() ?? '')),
    ).toBe(true);
    expect(ofKind(runtime, 'STOPSIGNAL').at(-1)?.getArgumentsContent()).toBe('SIGTERM');
  });

  it('starts the service exactly as `npm start` does, without npm in between', () => {
    expect(execForm(ofKind(runtime, 'CMD').at(-1))).toEqual(packageJson.scripts.start?.split(' '));
  });

  it('checks health with node (the slim image has no curl) against the liveness probe script it ships', () => {
    const check = ofKind(runtime, 'HEALTHCHECK').at(-1);
    const command = execForm(check);
    expect(command).toEqual(['node', 'healthcheck.mjs']);
    expect(check?.getArgumentsContent()).not.toMatch(/curl|wget/);
    const copied = ofKind(runtime, 'COPY').map((copy) => argumentsOf(copy).join(' '));
    expect(copied).toContain('docker/healthcheck.mjs ./healthcheck.mjs');
  });

  it('adds the RDS CA bundle at build time and makes Node trust it', () => {
    const add = ofKind(runtime, 'ADD').find((instruction) => argumentsOf(instruction)[0] === RDS_BUNDLE);
    const destination = add ? argumentsOf(add)[1] : undefined;
    expect(destination).toMatch(/\.pem$/);
    expect(envOf(runtime).get('NODE_EXTRA_CA_CERTS')).toBe(destination);
  });

  it('carries the OCI labels', () => {
    const labels = ofKind(runtime, 'LABEL').flatMap((label) => argumentsOf(label).map((pair) => pair.split('=')[0]));
    for (const key of ['title', 'description', 'source', 'version', 'revision', 'created', 'licenses']) {
      expect(labels).toContain(`org.opencontainers.image.${key}`);
    }
  });

  it('exposes the port the service listens on and the blue/green appspec routes to', async () => {
    const exposed = ofKind(runtime, 'EXPOSE').at(-1)?.getArgumentsContent();
    expect(envOf(runtime).get('PORT')).toBe(exposed);
    expect(envOf(runtime).get('HOST')).toBe('0.0.0.0');
    const appspec = parse(await readFile(join(ROOT, 'infra', 'deploy', 'appspec.yaml'), 'utf8')) as {
      Resources: Array<{ TargetService: { Properties: { LoadBalancerInfo: { ContainerPort: number } } } }>;
    };
    expect(String(appspec.Resources[0]?.TargetService.Properties.LoadBalancerInfo.ContainerPort)).toBe(exposed);
  });

  it('.dockerignore lets in only what the Dockerfile copies from the context', async () => {
    const lines = (await readFile(join(ROOT, '.dockerignore'), 'utf8'))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(lines[0]).toBe('*');
    const allowed = lines.filter((line) => line.startsWith('!')).map((line) => line.slice(1).replace(/\/$/, ''));
    const fromContext = stages
      .flatMap((stage) => ofKind(stage, 'COPY'))
      .filter((copy) => !flag(copy, 'from'))
      .flatMap((copy) => argumentsOf(copy).slice(0, -1));
    expect([...new Set(fromContext)].sort()).toEqual([...allowed].sort());
    for (const secret of ['.env', '.git', '.local', 'node_modules', 'dist']) expect(allowed).not.toContain(secret);
  });
});
