import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { Target } from './deploy.mjs';

export declare function stopInFlight(codedeploy: CodeDeployClient, target: Target): Promise<string[]>;
