// Manual rollback of one environment (the pipeline's rollback job). A deployment still in progress is stopped with
// CodeDeploy's own rollback (traffic returns to blue at once); otherwise the previous task definition is deployed
// again, blue/green like any other revision.
//   node infra/deploy/rollback.mjs [--task-definition <arn>]   (default: PREVIOUS_TASK_DEFINITION_ARN)
/* eslint-disable no-restricted-properties -- a pipeline tool, not the service: src/config does not run here */
import { CodeDeployClient, ListDeploymentsCommand, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deployTaskDefinition, targetFromEnv } from './deploy.mjs';

/**
 * Stops the deployments in flight with rollback; returns their ids (none: nothing was in flight).
 * @param {CodeDeployClient} codedeploy @param {import('./deploy.mjs').Target} target
 */
export async function stopInFlight(codedeploy, target) {
  const { deployments = [] } = await codedeploy.send(
    new ListDeploymentsCommand({
      applicationName: target.application,
      deploymentGroupName: target.deploymentGroup,
      includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Ready'],
    }),
  );
  for (const deploymentId of deployments) {
    await codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
  }
  return deployments;
}

async function main() {
  const { values } = parseArgs({ options: { 'task-definition': { type: 'string' } } });
  const target = targetFromEnv(process.env);
  const codedeploy = new CodeDeployClient({});
  const stopped = await stopInFlight(codedeploy, target);
  if (stopped.length > 0) {
    console.log(`stopped ${stopped.join(', ')} with rollback: traffic is back on the previous task set`);
    return;
  }
  const previous = values['task-definition'] ?? process.env.PREVIOUS_TASK_DEFINITION_ARN;
  if (!previous)
    throw new Error('nothing in flight and no --task-definition or PREVIOUS_TASK_DEFINITION_ARN to return to');
  const deploymentId = await deployTaskDefinition(codedeploy, target, previous, {
    description: `rollback ${process.env.CI_PIPELINE_URL ?? 'manual'}`,
    maxWaitSeconds: 3600,
  });
  console.log(`rolled back to ${previous} with deployment ${deploymentId}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
