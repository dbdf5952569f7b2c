// CodeDeploy AfterAllowTestTraffic hook (a Lambda function, nodejs24.x): runs the smoke test against the test
// listener, which reaches only the new (green) task set, and reports Succeeded or Failed. Failed makes CodeDeploy
// roll back before any production traffic moves.
// Environment: TEST_LISTENER_URL (e.g. https://<alb>:8443), SMOKE_CLIENT_SECRET_ID (Secrets Manager id of the
// smoke client, see entra-token.mjs). The SDK clients come with the Lambda runtime.
/* eslint-disable no-restricted-properties -- a Lambda function beside the service: src/config does not run here */
import process from 'node:process';
import { clientCredentialsToken, parseClientSecret } from '../entra-token.mjs';
import { runSmoke } from '../smoke.mjs';

/**
 * @typedef {{ DeploymentId: string, LifecycleEventHookExecutionId: string }} HookEvent
 * @typedef {'Succeeded' | 'Failed'} HookStatus
 * @typedef {object} HookDependencies
 * @property {string} baseUrl the test listener
 * @property {() => Promise<string>} getToken
 * @property {(event: HookEvent, status: HookStatus) => Promise<void>} reportStatus
 * @property {typeof runSmoke} [smoke]
 * @property {Pick<Console, 'log' | 'error'>} [log]
 */

/** @param {HookDependencies} deps @returns {(event: HookEvent) => Promise<HookStatus>} */
export function createHandler({ baseUrl, getToken, reportStatus, smoke = runSmoke, log = console }) {
  return async (event) => {
    /** @type {HookStatus} */
    let status = 'Failed';
    try {
      const results = await smoke({ baseUrl, token: await getToken(), attempts: 5, retryDelayMs: 3_000 });
      for (const { name, ok, detail } of results) log.log(`${ok ? 'ok' : 'FAIL'} ${name}: ${detail}`);
      status = results.every((result) => result.ok) ? 'Succeeded' : 'Failed';
    } catch (error) {
      log.error(`smoke test could not run: ${error instanceof Error ? error.message : String(error)}`);
    }
    // Reported whatever happened: an unreported hook would hold the deployment until its timeout.
    await reportStatus(event, status);
    return status;
  };
}

/** @param {HookEvent} event */
export async function handler(event) {
  const { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } = await import('@aws-sdk/client-codedeploy');
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const codedeploy = new CodeDeployClient({});
  const secrets = new SecretsManagerClient({});
  const run = createHandler({
    baseUrl: String(process.env.TEST_LISTENER_URL),
    getToken: async () => {
      const { SecretString } = await secrets.send(
        new GetSecretValueCommand({ SecretId: process.env.SMOKE_CLIENT_SECRET_ID }),
      );
      return clientCredentialsToken(parseClientSecret(JSON.parse(SecretString ?? '{}')));
    },
    reportStatus: async ({ DeploymentId, LifecycleEventHookExecutionId }, status) => {
      await codedeploy.send(
        new PutLifecycleEventHookExecutionStatusCommand({
          deploymentId: DeploymentId,
          lifecycleEventHookExecutionId: LifecycleEventHookExecutionId,
          status,
        }),
      );
    },
  });
  return run(event);
}
