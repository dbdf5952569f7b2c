export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}
export interface SmokeOptions {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
  attempts?: number;
  retryDelayMs?: number;
  /** Also the document journey: create, upload, complete, read, download, delete. */
  journey?: boolean;
}
export declare function runSmoke(options: SmokeOptions): Promise<CheckResult[]>;
