import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Signer } from '@aws-sdk/rds-signer';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/** RDS IAM auth tokens are valid for 15 minutes from signing. */
export const IAM_TOKEN_LIFETIME_SECONDS = 900;
const DEFAULT_REFRESH_AFTER_SECONDS = 600;

/**
 * A credential shared by every new connection (an IAM token, a password from Secrets Manager): fetched once,
 * reused until `refreshAfterMs`, fetched again by a single call however many connections open at once, and
 * dropped at once when the server refuses it (a rotated password), so the next connection fetches a fresh one.
 */
export class SharedCredential {
  private current?: { value: string; refreshAt: number };
  private fetching?: Promise<string>;
  /** Credentials fetched so far. */
  fetched = 0;

  constructor(
    private readonly fetch: () => Promise<string>,
    private readonly refreshAfterMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached credential, or a fresh one (concurrent callers share one fetch). */
  value(): Promise<string> {
    const current = this.current;
    if (current && this.now() < current.refreshAt) return Promise.resolve(current.value);
    this.fetching ??= this.fetchFresh();
    return this.fetching;
  }

  /** The server refused the credential: forget it, the next connection fetches another. */
  invalidate(): void {
    this.current = undefined;
  }

  private async fetchFresh(): Promise<string> {
    const startedAt = this.now();
    try {
      const value = await this.fetch();
      this.fetched++;
      this.current = { value, refreshAt: startedAt + this.refreshAfterMs };
      return value;
    } finally {
      this.fetching = undefined;
    }
  }
}

/**
 * One RDS IAM auth token shared by every new connection: signed once, reused until `refreshAfterSeconds` (well
 * inside its 15-minute lifetime), and re-signed by a single call however many connections open at once.
 */
export class IamTokenCache extends SharedCredential {
  constructor(sign: () => Promise<string>, refreshAfterMs = DEFAULT_REFRESH_AFTER_SECONDS * 1000, now?: () => number) {
    if (refreshAfterMs >= IAM_TOKEN_LIFETIME_SECONDS * 1000) {
      throw new Error(`IAM tokens must be refreshed before their ${IAM_TOKEN_LIFETIME_SECONDS} s lifetime ends`);
    }
    super(sign, refreshAfterMs, now);
  }
}

/**
 * Reads a database password from Secrets Manager: the `password` member of a JSON secret (the shape RDS-managed
 * and rotation-function secrets have), or the whole string of a plain one.
 */
export function secretsManagerPassword(client: SecretsManagerClient, secretId: string): () => Promise<string> {
  return async () => {
    const { SecretString: secret } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!secret) throw new Error(`secret ${secretId} holds no string`);
    if (!secret.trimStart().startsWith('{')) return secret;
    const password = (JSON.parse(secret) as { password?: unknown }).password;
    if (typeof password !== 'string' || password === '') throw new Error(`secret ${secretId} has no password member`);
    return password;
  };
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
