import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseConfig } from '../../src/config/app-config';
import { environmentSchema } from '../../src/config/config.schema';
import { StorageService } from '../../src/storage/storage.service';
import { buildModel, INFRA, infraModel, loadModule, REPO, type Model, type Resource } from './support/hcl-model';
import { block, blocks, containerDefinitions, isObj, num, strings, textOf } from './support/policy';
import { isExpr, type Obj, type Value } from './support/hcl-values';

const SERVICE_ROOTS = ['dev', 'staging', 'prod', 'dr'];
const SCHEMA = environmentSchema.shape as Record<string, { safeParse(value: unknown): { success: boolean } }>;

/** Stand-ins for values only known after apply, shaped as AWS would give them. */
const AFTER_APPLY: Record<string, string> = {
  DATABASE_HOST: 'navius.abcdefghij.eu-west-1.rds.amazonaws.com',
  DATABASE_PORT: '5432',
  DATABASE_NAME: 'navius',
  S3_BUCKET: 'navius-prod-documents-333333333333',
  S3_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:333333333333:key/00000000-0000-0000-0000-000000000000',
  AWS_REGION: 'eu-west-1',
  ENTRA_CLIENT_ID: '6b1d3f5a-7c9e-4b2d-8f0a-1c3e5a7b9d2f',
  REDIS_URL: 'rediss://:token@clustercfg.navius.abcdef.euw1.cache.amazonaws.com:6379',
  S3_EVENTS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/333333333333/navius-prod-document-events',
};

interface Container {
  name: string;
  environment: Record<string, unknown>;
  secrets: Record<string, unknown>;
  raw: Obj;
}

function containers(task: Resource): Container[] {
  return containerDefinitions(task).map((raw) => {
    const pairs = (list: unknown, value: string): Record<string, unknown> =>
      Object.fromEntries(
        (Array.isArray(list) ? list : []).filter(isObj).map((item) => [textOf(item.name), item[value]]),
      );
    return {
      name: textOf(raw.name),
      environment: pairs(raw.environment, 'value'),
      secrets: pairs(raw.secrets, 'valueFrom'),
      raw,
    };
  });
}

describe('the ECS task definition against the service configuration (src/config)', () => {
  let model: Model;
  const task = (root: string): Resource => model.inRoot(root, 'aws_ecs_task_definition')[0]!;
  const app = (root: string): Container => containers(task(root)).find((c) => c.name === 'navius')!;
  const collector = (root: string): Container => containers(task(root)).find((c) => c.name === 'otel-collector')!;

  beforeAll(async () => {
    model = await infraModel();
  });

  it('sets only configuration names the schema knows, each literal value valid for it', () => {
    const problems: string[] = [];
    for (const root of SERVICE_ROOTS) {
      const { environment, secrets } = app(root);
      for (const [name, value] of Object.entries({ ...environment, ...secrets })) {
        if (!(name in SCHEMA)) problems.push(`${root}: ${name} is not a configuration name`);
        else if (name in environment && typeof value === 'string' && !SCHEMA[name]!.safeParse(value).success) {
          problems.push(`${root}: ${name}=${value} is invalid`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('starts the aws profile: parseConfig accepts the environment, with IAM database auth and TLS Redis', () => {
    for (const root of SERVICE_ROOTS) {
      const { environment, secrets } = app(root);
      const source: Record<string, string> = {};
      for (const [name, value] of Object.entries({ ...environment, ...secrets })) {
        source[name] =
          typeof value === 'string' && !value.includes('${') && name in environment ? value : AFTER_APPLY[name]!;
        expect(source[name], `${root}: ${name}`).toBeDefined();
      }
      const config = parseConfig(source);
      expect(config.profile).toBe('aws');
      expect(source.DATABASE_IAM_AUTH).toBe('true');
      expect(secrets.REDIS_URL, root).toBeDefined();
      expect(isExpr(secrets.REDIS_URL as never) && textOf(secrets.REDIS_URL as never)).toContain(
        'module.cache.redis_url_secret_arn',
      );
      for (const name of [
        'DATABASE_HOST',
        'DATABASE_USER',
        'DATABASE_NAME',
        'S3_BUCKET',
        'S3_KMS_KEY_ID',
        'AWS_REGION',
        'ENTRA_TENANT_ID',
        'ENTRA_CLIENT_ID',
      ]) {
        expect(environment[name], `${root}: ${name}`).toBeDefined();
      }
    }
  });

  it('serves on port 3000 behind target groups that probe /health/ready', () => {
    for (const root of SERVICE_ROOTS) {
      const { environment, raw } = app(root);
      expect(environment.PORT).toBe('3000');
      const mappings = (raw.portMappings as Obj[]).map((m) => m.containerPort);
      expect(mappings).toEqual([3000]);
      const groups = model.inRoot(root, 'aws_lb_target_group');
      expect(groups).toHaveLength(2);
      for (const group of groups) {
        expect(group.body.port).toBe(3000);
        expect(block(group.body.health_check)?.path).toBe('/health/ready');
      }
      const service = model.inRoot(root, 'aws_ecs_service')[0]!;
      expect(block(service.body.load_balancer)?.container_port).toBe(3000);
      expect(textOf(block(service.body.deployment_controller)?.type)).toBe('CODE_DEPLOY');
    }
    expect(existsSync(join(REPO, 'docker/healthcheck.mjs'))).toBe(true);
  });

  it('drains within the stop timeout: drain delay < deregistration delay, shutdown deadline < ECS stop timeout', () => {
    for (const root of SERVICE_ROOTS) {
      const { environment, raw } = app(root);
      const stopTimeoutMs = num(raw.stopTimeout as never)! * 1000;
      const shutdownMs = Number(environment.SHUTDOWN_TIMEOUT_MS);
      const drainMs = Number(environment.SHUTDOWN_DRAIN_DELAY_MS);
      const deregistrationMs = Math.min(
        ...model.inRoot(root, 'aws_lb_target_group').map((g) => num(g.body.deregistration_delay)! * 1000),
      );
      expect(stopTimeoutMs).toBe(30_000);
      expect(shutdownMs).toBe(25_000);
      expect(shutdownMs).toBeLessThan(stopTimeoutMs);
      expect(drainMs).toBeGreaterThan(0);
      expect(drainMs).toBeLessThan(deregistrationMs);
      expect(shutdownMs - drainMs).toBeGreaterThanOrEqual(10_000);
    }
  });

  it('runs the ADOT collector on docker/otel-collector.yaml, wired to the app and to its log group', () => {
    const yaml = parseYaml(readFileSync(join(REPO, 'docker/otel-collector.yaml'), 'utf8')) as {
      receivers: { otlp: { protocols: { http: { endpoint: string } } } };
      exporters: { awsemf: { log_group_name: string } };
    };
    for (const root of SERVICE_ROOTS) {
      const otel = collector(root);
      expect(Object.keys(otel.secrets)).toEqual(['AOT_CONFIG_CONTENT']);
      const parameter = model.inRoot(root, 'aws_ssm_parameter')[0]!;
      expect(textOf(otel.secrets.AOT_CONFIG_CONTENT as never)).toContain('aws_ssm_parameter.otel_config');
      expect(textOf(parameter.body.value)).toContain('docker/otel-collector.yaml');
      const envMain = readFileSync(join(INFRA, 'envs', root, 'main.tf'), 'utf8');
      const path = /file\("\$\{path\.root\}\/([^"]+)"\)/.exec(envMain)?.[1];
      expect(path && existsSync(resolve(INFRA, 'envs', root, path))).toBe(true);

      const logGroup = yaml.exporters.awsemf.log_group_name.replace(
        '${env:NAVIUS_ENVIRONMENT}',
        String(otel.environment.NAVIUS_ENVIRONMENT),
      );
      const groups = model.inRoot(root, 'aws_cloudwatch_log_group').map((g) => textOf(g.body.name));
      expect(groups).toContain(logGroup);
      expect(app(root).environment.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
        `http://${yaml.receivers.otlp.protocols.http.endpoint}`,
      );
      expect(app(root).environment.METRICS_EXPORTER).toBe('otlp');
    }
  });

  it('matches infra/deploy: appspec container and port, and the hook function built from its files', () => {
    const appspec = readFileSync(join(INFRA, 'deploy/appspec.yaml'), 'utf8');
    const hookSource = readFileSync(join(INFRA, 'deploy/hooks/after-allow-test-traffic.mjs'), 'utf8');
    for (const root of SERVICE_ROOTS) {
      const { raw } = app(root);
      expect(appspec).toContain(`ContainerName: ${textOf(raw.name)}`);
      expect(appspec).toContain(`ContainerPort: ${String((raw.portMappings as Obj[])[0]!.containerPort)}`);
      const hook = model.instances.find((i) => i.root === root && i.callName === 'deploy_hook')!;
      const dir = textOf(hook.scope.vars.deploy_dir).replace('${path.root}', join(INFRA, 'envs', root));
      const zip = model.inRoot(root, 'archive_file', 'data')[0]!;
      for (const source of blocks(zip.body.source)) expect(existsSync(join(dir, textOf(source.filename)))).toBe(true);
      const fn = model.inRoot(root, 'aws_lambda_function')[0]!;
      const [file, exported] = textOf(fn.body.handler).split(/\.(?=[^.]+$)/);
      expect(blocks(zip.body.source).map((s) => textOf(s.filename))).toContain(`${file}.mjs`);
      expect(hookSource).toMatch(new RegExp(`export async function ${exported}\\(`));
      expect(textOf(fn.body.function_name)).toMatch(/^CodeDeployHook_/);
    }
  });

  it('names the X-Ray sampling rules after the OTEL_SERVICE_NAME the app reports', () => {
    for (const root of SERVICE_ROOTS) {
      const service = app(root).environment.OTEL_SERVICE_NAME;
      for (const rule of model.inRoot(root, 'aws_xray_sampling_rule'))
        expect(textOf(rule.body.service_name)).toBe(service);
    }
  });

  it('consumes the bucket events where uploads land, with receive/delete rights on that queue only', () => {
    const taskPolicy = (root: string) =>
      model
        .inRoot(root, 'aws_iam_policy_document', 'data')
        .find((d) => d.address.endsWith('module.app.data.aws_iam_policy_document.task'))!;
    for (const root of ['dev', 'staging', 'prod']) {
      const { environment } = app(root);
      expect(textOf(environment.S3_EVENTS_QUEUE_URL as never), root).toContain('module.documents.events_queue_url');
      const events = blocks(taskPolicy(root).body.statement).find((s) => textOf(s.sid) === 'DocumentEvents');
      expect(events, root).toBeDefined();
      expect(strings(events!.actions).sort()).toEqual([
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:ReceiveMessage',
      ]);
      expect(strings(events!.resources).join(), root).toContain('module.documents.events_queue_arn');
      const decrypt = blocks(taskPolicy(root).body.statement).find((s) => textOf(s.sid) === 'DocumentEventsEncryption');
      expect(strings(decrypt!.actions)).toEqual(['kms:Decrypt']);
    }
    // The DR region's replica sends no events: no consumer, no rights.
    expect(app('dr').environment.S3_EVENTS_QUEUE_URL).toBeUndefined();
    const dr = blocks(taskPolicy('dr').body.statement).map((s) => textOf(s.sid));
    expect(dr).not.toContain('DocumentEvents');
  });

  it('samples traces by the X-Ray rules, read through the sidecar on the task loopback', () => {
    for (const root of SERVICE_ROOTS) {
      const { environment } = app(root);
      expect(environment.OTEL_TRACES_SAMPLER).toBe('xray');
      expect(environment.XRAY_SAMPLING_ENDPOINT).toBe('http://127.0.0.1:2000');
      expect(model.inRoot(root, 'aws_xray_sampling_rule').length, root).toBeGreaterThan(0);
    }
  });

  it('grants object access exactly on the keys the storage service builds', () => {
    const key = StorageService.prototype.documentObjectKey.call(
      undefined,
      '8d3f5a1c-2b4e-4f6a-9c7d-1e2f3a4b5c6d',
      '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    );
    for (const root of SERVICE_ROOTS) {
      const policy = model
        .inRoot(root, 'aws_iam_policy_document', 'data')
        .find((d) => d.address.endsWith('module.app.data.aws_iam_policy_document.task'))!;
      const objects = blocks(policy.body.statement).find((s) => textOf(s.sid) === 'DocumentObjects')!;
      const [resource] = strings(objects.resources);
      const pattern = resource!.replace(/^\$\{[^}]+\}\//, '');
      const glob = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]+')}$`);
      expect(glob.test(key), `${root}: ${pattern} vs ${key}`).toBe(true);
      expect(glob.test(`other/${key}`)).toBe(false);
    }
  });
});

describe('NODE_OPTIONS of the service container (ecs-service node_options)', () => {
  const ECS_SERVICE = join(INFRA, 'modules', 'ecs-service');
  const inputs = {
    name: 'navius-spec',
    environment: 'spec',
    private_subnet_ids: ['subnet-1', 'subnet-2'],
    security_group_id: 'sg-1',
    target_group_arn: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/blue/1',
    image: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/navius:1',
    ecr_repository_arn: 'arn:aws:ecr:eu-west-1:111111111111:repository/navius',
    otel_collector_config: 'receivers: {}',
    logs_kms_key_arn: 'arn:aws:kms:eu-west-1:111111111111:key/logs',
    database: { host: 'db', port: 5432, name: 'navius', user: 'navius_app', resource_id: 'db-ABC' },
    redis_url_secret_arn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:redis',
    redis_secret_kms_key_arn: 'arn:aws:kms:eu-west-1:111111111111:key/redis',
    documents: {
      bucket_name: 'docs',
      bucket_arn: 'arn:aws:s3:::docs',
      kms_key_arn: 'arn:aws:kms:eu-west-1:111111111111:key/s3',
      key_pattern: 'tenants/*/documents/*',
      access_point_arn: null,
    },
    entra: { tenant_id: '3f2b8c1d-6e4a-4b7c-9d0e-1a2b3c4d5e6f', client_id: '6b1d3f5a-7c9e-4b2d-8f0a-1c3e5a7b9d2f' },
  };
  const appEnvironment = async (tfvars: Record<string, unknown>) => {
    const module = await buildModel([{ name: 'spec', def: await loadModule(ECS_SERVICE), tfvars }]);
    const task = module.inRoot('spec', 'aws_ecs_task_definition')[0]!;
    return containers(task).find((c) => c.name === 'navius')!.environment;
  };

  it('is passed to the service only when set, as given', async () => {
    expect(await appEnvironment(inputs)).not.toHaveProperty('NODE_OPTIONS');
    const flags = '--max-semi-space-size=16 --max-old-space-size=768';
    expect(await appEnvironment({ ...inputs, node_options: flags })).toMatchObject({ NODE_OPTIONS: flags });
  });

  it('accepts V8 memory flags only: nothing that loads code or opens a debugger', async () => {
    const { variables } = await loadModule(ECS_SERVICE);
    const condition = textOf(block(variables.node_options!.validation as Value)?.condition);
    const pattern = new RegExp(/regex\("(.+)", var\.node_options\)/.exec(condition)![1]!.replaceAll('\\\\', '\\'));
    expect(pattern.test('--max-old-space-size=768')).toBe(true);
    expect(pattern.test('--max-semi-space-size=16 --max-old-space-size=160')).toBe(true);
    for (const refused of ['--require=/tmp/x.js', '--inspect=0.0.0.0:9229', '--max-old-space-size=768 --import=x'])
      expect(pattern.test(refused), refused).toBe(false);
  });
});
