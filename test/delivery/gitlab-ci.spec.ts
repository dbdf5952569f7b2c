import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, YAMLSeq } from 'yaml';
import { tempDir } from '../support/app';

const ROOT = join(__dirname, '..', '..');
const GITLAB_CI_LOCAL = join(ROOT, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js');
const ENVIRONMENTS = ['dev', 'staging', 'prod', 'dr'];
const GATES_OPEN = 'gates-open.gitlab-ci.yml';
const TEMPLATES = [
  'Jobs/SAST.gitlab-ci.yml',
  'Jobs/Secret-Detection.gitlab-ci.yml',
  'Jobs/Dependency-Scanning.gitlab-ci.yml',
  'Jobs/Container-Scanning.gitlab-ci.yml',
  'Jobs/SAST-IaC.gitlab-ci.yml',
];

type Json = Record<string, unknown>;
interface Job extends Json {
  stage?: string;
  script?: string[];
  environment?: { name: string; deployment_tier?: string; action?: string; url?: string };
  resource_group?: string;
  id_tokens?: Record<string, { aud: string | string[] }>;
  secrets?: Record<string, { aws_secrets_manager?: unknown; token?: string }>;
  artifacts?: { expire_in?: string; access?: string; paths?: string[]; reports?: Json };
  variables?: Record<string, string>;
  services?: Array<{ name: string } | string>;
  rules?: Array<{ if?: string; when?: string }>;
}
interface Listed {
  name: string;
  stage: string;
  when: string;
}

/** GitLab's `!reference [job, key]` tag, kept as the array the schema expects. */
const referenceTag = { tag: '!reference', collection: 'seq' as const, nodeClass: YAMLSeq, default: false as const };
const parseGitlabYaml = (text: string) => parse(text, { customTags: [referenceTag] }) as Json;

/**
 * The job graph without GitLab.com: each `include: template:` is replaced by a local file that defines the jobs
 * this pipeline overrides, with the shape GitLab's templates give them (a configuration-only base job plus an
 * analyzer extending it). Only the include differs from .gitlab-ci.yml; its own jobs and rules are evaluated as-is.
 */
const TEMPLATE_STANDINS = `
sast: { stage: test, script: [exit 1], rules: [{ when: never }] }
semgrep-sast: { extends: sast, script: [semgrep], rules: [{ if: $CI_COMMIT_BRANCH }, { if: $CI_MERGE_REQUEST_IID }] }
secret_detection: { stage: test, script: [secrets], rules: [{ if: $CI_COMMIT_BRANCH }, { if: $CI_MERGE_REQUEST_IID }] }
dependency_scanning: { stage: test, script: [exit 1], rules: [{ when: never }] }
gemnasium-dependency_scanning:
  { extends: dependency_scanning, script: [gemnasium], rules: [{ if: $CI_COMMIT_BRANCH }, { if: $CI_MERGE_REQUEST_IID }] }
iac-sast: { stage: test, script: [exit 1], rules: [{ when: never }] }
kics-iac-sast: { extends: iac-sast, script: [kics], rules: [{ if: $CI_COMMIT_BRANCH }, { if: $CI_MERGE_REQUEST_IID }] }
container_scanning: { stage: test, script: [gtcs scan], rules: [{ if: $CI_COMMIT_BRANCH }] }
`;

const SCENARIOS = {
  mergeRequest: [
    '--variable',
    'CI_PIPELINE_SOURCE=merge_request_event',
    '--unset-variable',
    'CI_COMMIT_BRANCH',
    '--variable',
    'CI_MERGE_REQUEST_IID=7',
  ],
  defaultBranch: ['--variable', 'CI_PIPELINE_SOURCE=push', '--variable', 'CI_COMMIT_BRANCH=main'],
  featureBranch: ['--variable', 'CI_PIPELINE_SOURCE=push', '--variable', 'CI_COMMIT_BRANCH=feature/x'],
  schedule: ['--variable', 'CI_PIPELINE_SOURCE=schedule', '--variable', 'CI_COMMIT_BRANCH=main'],
};

describe('.gitlab-ci.yml', () => {
  let text: string;
  let pipeline: Json;
  let validate: ValidateFunction;

  beforeAll(async () => {
    text = await readFile(join(ROOT, '.gitlab-ci.yml'), 'utf8');
    pipeline = parseGitlabYaml(text);
    const schema = JSON.parse(await readFile(join(__dirname, 'fixtures', 'gitlab-ci.schema.json'), 'utf8')) as Json;
    const ajv = new Ajv({ strict: false, allowUnionTypes: true, allErrors: true });
    addFormats(ajv);
    validate = ajv.compile(schema);
  });

  it("is valid against GitLab's published CI JSON schema (vendored in fixtures/)", () => {
    const valid = validate(pipeline);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check refuses what GitLab would refuse', () => {
    const broken = parseGitlabYaml(
      text.replaceAll('access: developer', 'access: everyone').replace('interruptible: true', 'interruptible: maybe'),
    );
    expect(validate(broken)).toBe(false);
    const paths = (validate.errors ?? []).map((error) => error.instancePath);
    expect(paths).toContain('/drift/artifacts/access');
    expect(paths).toContain('/default/interruptible');
  });

  it("includes GitLab's SAST, Secret-Detection, Dependency-Scanning, Container-Scanning and SAST-IaC templates", () => {
    const included = (pipeline.include as Array<{ template?: string }>).map((item) => item.template);
    expect(included).toEqual(expect.arrayContaining(TEMPLATES));
  });

  it('never holds an AWS access key: AWS is reached through OIDC only', () => {
    expect(text).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|aws_access_key/i);
    expect((pipeline.variables as Json).AWS_WEB_IDENTITY_TOKEN_FILE).toMatch(/^\/tmp\//);
  });

  describe('the job graph, as gitlab-ci-local 4.73 evaluates it offline', () => {
    let repo: Awaited<ReturnType<typeof tempDir>>;
    let jobs: Record<string, Job>;
    const listed: Partial<Record<keyof typeof SCENARIOS, Listed[]>> = {};

    const run = async (args: string[]) => {
      const { stdout } = await promisify(execFile)(process.execPath, [GITLAB_CI_LOCAL, '--home', '.home', ...args], {
        cwd: repo.path,
        env: {
          PATH: process.env.PATH ?? '',
          GCL_IGNORE_PREDEFINED_VARS: 'CI_PIPELINE_SOURCE,CI_COMMIT_BRANCH,CI_MERGE_REQUEST_IID',
        },
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    };
    const active = (scenario: keyof typeof SCENARIOS) =>
      (listed[scenario] ?? []).filter((job) => job.when !== 'never').map((job) => job.name);
    /** Jobs that change an environment: Terraform apply, deployment and rollback. */
    const deploying = () =>
      Object.entries(jobs)
        .filter(([name, job]) => /^(apply|deploy|rollback):/.test(name) || job.environment?.action === 'start')
        .map(([name]) => name);

    beforeAll(async () => {
      repo = await tempDir('navius-gitlab-ci-');
      const local = text.replace(/^include:\n(?: {2}- template: .+\n)+/m, 'include:\n  - local: templates.yml\n');
      expect(local).not.toContain('template:');
      await mkdir(join(repo.path, '.home'));
      await writeFile(join(repo.path, '.gitlab-ci.yml'), local);
      await writeFile(join(repo.path, 'templates.yml'), TEMPLATE_STANDINS);
      await writeFile(join(repo.path, GATES_OPEN), local.replaceAll('when: manual', 'when: on_success'));
      const git = (...args: string[]) => promisify(execFile)('git', ['-C', repo.path, ...args]);
      await git('init', '-q', '-b', 'main');
      await git('add', '-A');
      await git('-c', 'user.name=ci', '-c', 'user.email=ci@navius.local', 'commit', '-qm', 'pipeline');
      jobs = parseGitlabYaml(await run(['--preview'])) as Record<string, Job>;
      for (const [scenario, args] of Object.entries(SCENARIOS)) {
        listed[scenario as keyof typeof SCENARIOS] = JSON.parse(await run(['--list-json', ...args])) as Listed[];
      }
    }, 180_000);
    afterAll(async () => repo?.remove());

    it('every needed job exists and runs under each kind of pipeline', async () => {
      // gitlab-ci-local 4.73 ignores --manual in this mode, so the chain is checked with the manual gates opened
      // (GitLab lets a job wait for a manual job it needs); the gates themselves are checked below.
      for (const args of Object.values(SCENARIOS)) {
        const output = await run(['--validate-dependency-chain', '--file', GATES_OPEN, ...args]);
        expect(output).toContain('All job dependencies are valid');
      }
    }, 180_000);

    it('merge-request, feature-branch and scheduled pipelines never deploy', () => {
      const changes = deploying();
      expect(changes.length).toBeGreaterThanOrEqual(7);
      for (const scenario of ['mergeRequest', 'featureBranch', 'schedule'] as const) {
        expect(active(scenario).filter((name) => changes.includes(name))).toEqual([]);
      }
      expect(active('mergeRequest')).toEqual(expect.arrayContaining(['build', 'test', 'plan:staging', 'plan:prod']));
    });

    it('the default branch builds, tests, scans, plans every environment and deploys staging, then production on a manual gate', () => {
      const when = Object.fromEntries((listed.defaultBranch ?? []).map((job) => [job.name, job.when]));
      for (const name of ['build', 'test', 'package', 'sbom', 'container_scanning', 'semgrep-sast']) {
        expect(when[name]).toBe('on_success');
      }
      for (const name of ['secret_detection', 'gemnasium-dependency_scanning', 'kics-iac-sast']) {
        expect(when[name]).toBe('on_success');
      }
      for (const env of ENVIRONMENTS) expect(when[`plan:${env}`]).toBe('on_success');
      for (const name of ['apply:staging', 'deploy:staging', 'smoke:staging', 'integration:staging']) {
        expect(when[name]).toBe('on_success');
      }
      for (const name of ['security:staging', 'performance:staging', 'smoke:production']) {
        expect(when[name]).toBe('on_success');
      }
      for (const name of ['apply:prod', 'deploy:production', 'rollback:production']) expect(when[name]).toBe('manual');
      expect(when['drift: [prod]']).toBe('never');
    });

    it('a scheduled pipeline runs the drift detection of every environment, and neither plans nor packages', () => {
      const drift = ENVIRONMENTS.map((env) => `drift: [${env}]`);
      expect(active('schedule')).toEqual(expect.arrayContaining(drift));
      expect(active('schedule').filter((name) => /^(plan|package|sbom)/.test(name))).toEqual([]);
      expect(active('defaultBranch').filter((name) => name.startsWith('drift'))).toEqual([]);
      expect(jobs.drift?.script?.join('\n')).toContain('plan -detailed-exitcode');
      expect(jobs.drift?.variables?.TF_ROOT).toBe('infra/envs/$NAVIUS_ENV');
    });

    it('plans every environment from infra/envs/<env> and keeps the plan for developers only, for a while', () => {
      for (const env of ENVIRONMENTS) {
        const plan = jobs[`plan:${env}`];
        expect(plan?.variables?.NAVIUS_ENV).toBe(env);
        expect(plan?.variables?.TF_ROOT).toBe('infra/envs/$NAVIUS_ENV');
        expect(plan?.artifacts?.access).toBe('developer');
        expect(plan?.artifacts?.paths).toContain('$TF_ROOT/plan.tfplan');
        expect(plan?.artifacts?.expire_in).toBeTruthy();
      }
      expect(jobs['apply:prod']?.script?.join('\n')).toContain('apply -lock-timeout=5m plan.tfplan');
    });

    it('each environment-changing job has its environment tier and the resource group of its environment', () => {
      for (const name of deploying()) {
        const job = jobs[name];
        expect(job?.environment?.deployment_tier, name).toMatch(/^(production|staging|development)$/);
        expect(job?.resource_group, name).toBe(job?.environment?.name);
      }
      for (const job of Object.values(jobs).filter((candidate) => candidate.environment)) {
        expect(job.environment?.deployment_tier).toBeTruthy();
      }
      expect(jobs['deploy:production']?.environment).toMatchObject({
        name: 'production',
        deployment_tier: 'production',
      });
    });

    it('every job that reaches AWS authenticates with an OIDC id_token for STS and a role, never keys', () => {
      const aws = Object.entries(jobs).filter(([, job]) => job.variables?.AWS_ROLE_ARN !== undefined);
      expect(aws.length).toBeGreaterThanOrEqual(12);
      for (const [name, job] of aws) {
        expect(job.id_tokens?.AWS_ID_TOKEN?.aud, name).toBe('sts.amazonaws.com');
        expect(job.before_script?.toString(), name).toContain('$AWS_WEB_IDENTITY_TOKEN_FILE');
      }
    });

    it('secrets come from AWS Secrets Manager at job start, through the OIDC token', () => {
      const withSecrets = Object.values(jobs).filter((job) => job.secrets);
      expect(withSecrets.length).toBeGreaterThan(0);
      for (const job of withSecrets) {
        for (const secret of Object.values(job.secrets ?? {})) {
          expect(secret.aws_secrets_manager).toBeTruthy();
          expect(secret.token).toBe('$AWS_ID_TOKEN');
        }
      }
    });

    it('artifacts: image digest, CycloneDX SBOM and plan, each with an expiry', () => {
      expect(jobs.package?.artifacts?.reports?.dotenv).toBe('image.env');
      expect(jobs.package?.script?.join('\n')).toContain('IMAGE_DIGEST=');
      expect(jobs.sbom?.artifacts?.reports?.cyclonedx).toBeTruthy();
      const own = Object.entries(jobs).filter(
        ([name]) => !/sast|secret_detection|dependency_scanning|container_scanning/.test(name),
      );
      for (const [name, job] of own.filter(([, job]) => job.artifacts)) {
        expect(job.artifacts?.expire_in, name).toMatch(/^\d+ (day|days|week|weeks)$/);
      }
    });

    it('tests run as .ci/run does, with PostgreSQL and Redis services', () => {
      const services = (jobs.test?.services ?? []).map((service) =>
        typeof service === 'string' ? service : service.name,
      );
      expect(services.some((name) => name.startsWith('postgres:'))).toBe(true);
      expect(services.some((name) => name.startsWith('redis:'))).toBe(true);
      expect(jobs.test?.script?.join('\n')).toContain('vitest run');
      expect(jobs.build?.script).toEqual(expect.arrayContaining(['npm run lint']));
    });

    it('rollback is manual and uses the rollback script against production', () => {
      const rollback = jobs['rollback:production'];
      expect(rollback?.script).toEqual(['node infra/deploy/rollback.mjs']);
      expect(rollback?.environment?.name).toBe('production');
    });
  });
});
