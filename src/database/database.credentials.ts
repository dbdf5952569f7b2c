import { Signer } from '@aws-sdk/rds-signer';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/** RDS IAM auth tokens are valid for 15 minutes from signing. */
export const IAM_TOKEN_LIFETIME_SECONDS = 900;
const DEFAULT_REFRESH_AFTER_SECONDS = 600;

/**
 * One RDS IAM auth token shared by every new connection: signed once, reused until `refreshAfterSeconds` (well
 * inside its 15-minute lifetime), and re-signed by a single call however many connections open at once.
 */
export class IamTokenCache {
  private current?: { token: string; refreshAt: number };
  private signing?: Promise<string>;
  /** Tokens signed so far. */
  signed = 0;

  constructor(
    private readonly sign: () => Promise<string>,
    private readonly refreshAfterMs = DEFAULT_REFRESH_AFTER_SECONDS * 1000,
    private readonly now: () => number = Date.now,
  ) {
    if (refreshAfterMs >= IAM_TOKEN_LIFETIME_SECONDS * 1000) {
      throw new Error(`IAM tokens must be refreshed before their ${IAM_TOKEN_LIFETIME_SECONDS} s lifetime ends`);
    }
  }

  /** The cached token, or a fresh one (concurrent callers share one signing). */
  token(): Promise<string> {
    const current = this.current;
    if (current && this.now() < current.refreshAt) return Promise.resolve(current.token);
    this.signing ??= this.signFresh();
    return this.signing;
  }

  private async signFresh(): Promise<string> {
    const startedAt = this.now();
    try {
      const token = await this.sign();
      this.signed++;
      this.current = { token, refreshAt: startedAt + this.refreshAfterMs };
      return token;
    } finally {
      this.signing = undefined;
    }
  }
}

export interface RdsSignerParams {
  hostname: string;
  port: number;
  username: string;
  region: string;
  credentials: AwsCredentialIdentityProvider;
}

/** Signs RDS IAM auth tokens with `@aws-sdk/rds-signer` and the given (shared) credentials. */
export function rdsTokenSigner(params: RdsSignerParams): () => Promise<string> {
  const signer = new Signer(params);
  return () => signer.getAuthToken();
}
