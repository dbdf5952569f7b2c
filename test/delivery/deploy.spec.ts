import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import {
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type DescribeTaskDefinitionCommandOutput,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AUTO_ROLLBACK, deployTaskDefinition, registerImage, type Target } from '../../infra/deploy/deploy.mjs';
import { CONTAINER_NAME, renderRevision, renderTaskDefinition } from '../../infra/deploy/render.mjs';
import { stopInFlight } from '../../infra/deploy/rollback.mjs';

// CodeDeploy and ECS cannot run on this machine: their SDK clients are mocked, the rendering is real.
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/navius@${DIGEST}`;
const CURRENT = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/navius-staging:41';
const NEXT = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/navius-staging:42';
const TARGET: Target = {
  cluster: 'navius-staging',
  service: 'navius',
  application: 'navius-staging',
  deploymentGroup: 'navius-staging',
  afterAllowTestTrafficHook: 'navius-staging-after-allow-test-traffic',
};

interface AppSpec {
  Resources: Array<{
    TargetService: {
      Type: string;
      Properties: { TaskDefinition: string; LoadBalancerInfo: { ContainerName: string; ContainerPort: number } };
    };
  }>;
  Hooks: Array<Record<string, string>>;
}

const described = () => ({
  taskDefinition: {
    taskDefinitionArn: CURRENT,
    revision: 41,
    status: 'ACTIVE',
    family: 'navius-staging',
    requiresAttributes: [{ name: 'ecs.capability.execution-role-awslogs' }],
    compatibilities: ['EC2', 'FARGATE'],
    registeredAt: new Date(),
    registeredBy: 'arn:aws:iam::123456789012:role/deployer',
    containerDefinitions: [
      { name: CONTAINER_NAME, image: 'old@sha256:00', portMappings: [{ containerPort: 3000 }] },
      { name: 'aws-otel-collector', image: 'public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0' },
    ],
  },
  tags: [{ key: 'service', value: 'navius' }],
});

describe('blue/green deployment (infra/deploy)', () => {
  let template: string;
  const ecs = mockClient(ECSClient);
  const codedeploy = mockClient(CodeDeployClient);

  beforeAll(async () => {
    template = await readFile(join(__dirname, '..', '..', 'infra', 'deploy', 'appspec.yaml'), 'utf8');
  });
  afterEach(() => {
    ecs.reset();
    codedeploy.reset();
  });

  it('appspec.yaml routes the ECS service to the navius container on port 3000 and runs the test-traffic hook', () => {
    const revision = renderRevision(template, { taskDefinitionArn: NEXT, afterAllowTestTrafficHook: 'hook-fn' });
    const appspec = parse(revision.appSpecContent.content) as AppSpec;
    const target = appspec.Resources[0]?.TargetService;
    expect(target?.Type).toBe('AWS::ECS::Service');
    expect(target?.Properties.TaskDefinition).toBe(NEXT);
    expect(target?.Properties.LoadBalancerInfo).toEqual({ ContainerName: CONTAINER_NAME, ContainerPort: 3000 });
    expect(appspec.Hooks).toEqual([{ AfterAllowTestTraffic: 'hook-fn' }]);
    expect(revision.appSpecContent.sha256).toBe(
      createHash('sha256').update(revision.appSpecContent.content).digest('hex'),
    );
    expect(() => renderRevision(template, { taskDefinitionArn: NEXT, afterAllowTestTrafficHook: '' })).toThrow(
      'AFTER_ALLOW_TEST_TRAFFIC_HOOK',
    );
  });

  it('the next task definition changes only the service image, by digest, and drops what AWS refuses back', () => {
    const next = renderTaskDefinition(described(), IMAGE);
    for (const member of ['taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities']) {
      expect(next).not.toHaveProperty(member);
    }
    expect(next.containerDefinitions).toEqual([
      { name: CONTAINER_NAME, image: IMAGE, portMappings: [{ containerPort: 3000 }] },
      described().taskDefinition.containerDefinitions[1],
    ]);
    expect(next.tags).toEqual([{ key: 'service', value: 'navius' }]);
    expect(() => renderTaskDefinition(described(), 'navius:latest')).toThrow('pinned by digest');
  });

  it('registers the new revision and starts a CodeDeploy deployment with automatic rollback, then waits for it', async () => {
    ecs.on(DescribeTaskDefinitionCommand).resolves(described() as DescribeTaskDefinitionCommandOutput);
    ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEXT } });
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-GREEN' });
    codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'Succeeded' } });

    const arn = await registerImage(new ECSClient({ region: 'eu-west-1' }), CURRENT, IMAGE);
    expect(arn).toBe(NEXT);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input.containerDefinitions?.[0]?.image).toBe(
      IMAGE,
    );

    const id = await deployTaskDefinition(new CodeDeployClient({ region: 'eu-west-1' }), TARGET, arn, {
      description: 'test',
      maxWaitSeconds: 60,
    });
    expect(id).toBe('d-GREEN');
    const input = codedeploy.commandCalls(CreateDeploymentCommand)[0]?.args[0].input;
    expect(input?.applicationName).toBe(TARGET.application);
    expect(input?.deploymentGroupName).toBe(TARGET.deploymentGroup);
    expect(input?.autoRollbackConfiguration).toEqual(AUTO_ROLLBACK);
    expect(AUTO_ROLLBACK.events).toEqual(expect.arrayContaining(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']));
    expect(input?.revision?.revisionType).toBe('AppSpecContent');
    expect(input?.revision?.appSpecContent?.content).toContain(`TaskDefinition: ${NEXT}`);
  });

  it('a deployment CodeDeploy rolled back fails the job with its reason', async () => {
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-RED' });
    codedeploy.on(GetDeploymentCommand).resolves({
      deploymentInfo: { status: 'Failed', errorInformation: { message: 'AfterAllowTestTraffic hook failed' } },
    });
    await expect(
      deployTaskDefinition(new CodeDeployClient({ region: 'eu-west-1' }), TARGET, NEXT, {
        description: 'test',
        maxWaitSeconds: 60,
      }),
    ).rejects.toThrow('deployment d-RED Failed: AfterAllowTestTraffic hook failed');
  });

  it('rollback stops a deployment in flight with CodeDeploy rollback', async () => {
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-INFLIGHT'] });
    codedeploy.on(StopDeploymentCommand).resolves({ status: 'Pending' });
    expect(await stopInFlight(new CodeDeployClient({ region: 'eu-west-1' }), TARGET)).toEqual(['d-INFLIGHT']);
    expect(codedeploy.commandCalls(StopDeploymentCommand)[0]?.args[0].input).toEqual({
      deploymentId: 'd-INFLIGHT',
      autoRollbackEnabled: true,
    });
  });
});
