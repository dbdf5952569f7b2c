// Blue/green deployment of one image to one environment: register the next task definition, start a CodeDeploy
// ECS deployment from appspec.yaml with automatic rollback, wait for it, and record what ran before (for rollback).
// Credentials: the SDK's default chain, i.e. AssumeRoleWithWebIdentity with the job's GitLab OIDC token
// (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE); no keys anywhere.
//   node infra/deploy/deploy.mjs --image <repository@sha256:...>      deploy a new image
//   node infra/deploy/deploy.mjs --task-definition <arn>              deploy an existing revision (rollback)
/* eslint-disable no-restricted-properties -- a pipeline tool, not the service: src/config does not run here */
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  waitUntilDeploymentSuccessful,
} from '@aws-sdk/client-codedeploy';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { readFile, writeFile } from 'node:fs/promises';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderRevision, renderTaskDefinition } from './render.mjs';

const APPSPEC = fileURLToPath(new URL('./appspec.yaml', import.meta.url));
/** CodeDeploy rolls back by itself when the deployment fails or one of the group's alarms fires. */
export const AUTO_ROLLBACK = { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] };

/**
 * @typedef {object} Target
 * @property {string} cluster ECS cluster name
 * @property {string} service ECS service name (deployment controller CODE_DEPLOY)
 * @property {string} application CodeDeploy application
 * @property {string} deploymentGroup CodeDeploy deployment group
 * @property {string} afterAllowTestTrafficHook name of the Lambda function of the AfterAllowTestTraffic hook
 */

/** @param {NodeJS.ProcessEnv} env @returns {Target} */
export function targetFromEnv(env) {
  const names = [
    'ECS_CLUSTER',
    'ECS_SERVICE',
    'CODEDEPLOY_APPLICATION',
    'CODEDEPLOY_DEPLOYMENT_GROUP',
    'AFTER_ALLOW_TEST_TRAFFIC_HOOK',
  ];
  const missing = names.filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`missing: ${missing.join(', ')}`);
  return {
    cluster: String(env.ECS_CLUSTER),
    service: String(env.ECS_SERVICE),
    application: String(env.CODEDEPLOY_APPLICATION),
    deploymentGroup: String(env.CODEDEPLOY_DEPLOYMENT_GROUP),
    afterAllowTestTrafficHook: String(env.AFTER_ALLOW_TEST_TRAFFIC_HOOK),
  };
}

/** The task definition the service runs now. @param {ECSClient} ecs @param {Target} target */
export async function currentTaskDefinition(ecs, target) {
  const { services } = await ecs.send(
    new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }),
  );
  const arn = services?.[0]?.taskDefinition;
  if (!arn) throw new Error(`service ${target.service} not found in cluster ${target.cluster}`);
  return arn;
}

/** Registers the current task definition again with `image` in the service container. @returns {Promise<string>} */
export async function registerImage(
  /** @type {ECSClient} */ ecs,
  /** @type {string} */ currentArn,
  /** @type {string} */ image,
) {
  const described = await ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: currentArn, include: ['TAGS'] }),
  );
  if (!described.taskDefinition) throw new Error(`task definition ${currentArn} not found`);
  const input = renderTaskDefinition(
    /** @type {{ taskDefinition: Record<string, unknown>, tags?: Array<{ key?: string, value?: string }> }} */ (
      described
    ),
    image,
  );
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand(
      /** @type {import('@aws-sdk/client-ecs').RegisterTaskDefinitionCommandInput} */ (input),
    ),
  );
  const arn = registered.taskDefinition?.taskDefinitionArn;
  if (!arn) throw new Error('RegisterTaskDefinition returned no ARN');
  return arn;
}

/**
 * Starts the blue/green deployment of `taskDefinitionArn` and waits until CodeDeploy reports success.
 * @param {CodeDeployClient} codedeploy @param {Target} target @param {string} taskDefinitionArn
 * @param {{ description: string, maxWaitSeconds: number }} options
 */
export async function deployTaskDefinition(codedeploy, target, taskDefinitionArn, options) {
  const template = await readFile(APPSPEC, 'utf8');
  const revision = renderRevision(template, {
    taskDefinitionArn,
    afterAllowTestTrafficHook: target.afterAllowTestTrafficHook,
  });
  const created = await codedeploy.send(
    new CreateDeploymentCommand({
      applicationName: target.application,
      deploymentGroupName: target.deploymentGroup,
      revision,
      autoRollbackConfiguration: AUTO_ROLLBACK,
      description: options.description.slice(0, 100),
    }),
  );
  const deploymentId = created.deploymentId;
  if (!deploymentId) throw new Error('CreateDeployment returned no id');
  try {
    await waitUntilDeploymentSuccessful({ client: codedeploy, maxWaitTime: options.maxWaitSeconds }, { deploymentId });
  } catch (error) {
    const { deploymentInfo } = await codedeploy.send(new GetDeploymentCommand({ deploymentId }));
    const why = deploymentInfo?.errorInformation?.message ?? (error instanceof Error ? error.message : String(error));
    throw new Error(`deployment ${deploymentId} ${deploymentInfo?.status ?? 'did not succeed'}: ${why}`, {
      cause: error,
    });
  }
  return deploymentId;
}

/** Writes the dotenv artifact later jobs (rollback, validation) read. @param {string} path @param {Record<string, string>} values */
export async function writeDotenv(path, values) {
  await writeFile(
    path,
    Object.entries(values)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(''),
  );
}

async function main() {
  const { values } = parseArgs({
    options: {
      image: { type: 'string' },
      'task-definition': { type: 'string' },
      output: { type: 'string', default: 'deploy.env' },
      'max-wait-seconds': { type: 'string', default: '3600' },
    },
  });
  if (Boolean(values.image) === Boolean(values['task-definition'])) {
    throw new Error('give exactly one of --image <repository@sha256:...> or --task-definition <arn>');
  }
  const target = targetFromEnv(process.env);
  const ecs = new ECSClient({});
  const codedeploy = new CodeDeployClient({});
  const previous = await currentTaskDefinition(ecs, target);
  const next = values.image ? await registerImage(ecs, previous, values.image) : String(values['task-definition']);
  console.log(`deploying ${next} (running: ${previous})`);
  const description = `${process.env.CI_PIPELINE_URL ?? 'manual'} ${values.image ? 'image' : 'rollback'}`;
  const deploymentId = await deployTaskDefinition(codedeploy, target, next, {
    description,
    maxWaitSeconds: Number(values['max-wait-seconds']),
  });
  await writeDotenv(values.output, {
    DEPLOYMENT_ID: deploymentId,
    TASK_DEFINITION_ARN: next,
    PREVIOUS_TASK_DEFINITION_ARN: previous,
  });
  console.log(`deployment ${deploymentId} succeeded`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
