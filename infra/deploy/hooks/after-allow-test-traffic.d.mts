import type { CheckResult, SmokeOptions } from '../smoke.mjs';

export interface HookEvent {
  DeploymentId: string;
  LifecycleEventHookExecutionId: string;
}
export type HookStatus = 'Succeeded' | 'Failed';
export interface HookDependencies {
  baseUrl: string;
  getToken: () => Promise<string>;
  reportStatus: (event: HookEvent, status: HookStatus) => Promise<void>;
  smoke?: (options: SmokeOptions) => Promise<CheckResult[]>;
  log?: Pick<Console, 'log' | 'error'>;
}
export declare function createHandler(deps: HookDependencies): (event: HookEvent) => Promise<HookStatus>;
export declare function handler(event: HookEvent): Promise<HookStatus>;
