import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { ECSClient } from '@aws-sdk/client-ecs';

export interface Target {
  cluster: string;
  service: string;
  application: string;
  deploymentGroup: string;
  afterAllowTestTrafficHook: string;
}
export declare const AUTO_ROLLBACK: { enabled: boolean; events: string[] };
export declare function targetFromEnv(env: Record<string, string | undefined>): Target;
export declare function currentTaskDefinition(ecs: ECSClient, target: Target): Promise<string>;
export declare function registerImage(ecs: ECSClient, currentArn: string, image: string): Promise<string>;
export declare function deployTaskDefinition(
  codedeploy: CodeDeployClient,
  target: Target,
  taskDefinitionArn: string,
  options: { description: string; maxWaitSeconds: number },
): Promise<string>;
export declare function writeDotenv(path: string, values: Record<string, string>): Promise<void>;
