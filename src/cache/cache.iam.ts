import { Sha256 } from '@smithy/core/checksum';
import { buildQueryString, HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/** ElastiCache IAM auth tokens are valid for 15 minutes from signing. */
export const ELASTICACHE_TOKEN_LIFETIME_SECONDS = 900;

export interface ElastiCacheSignerParams {
  /** Replication group id or serverless cache name. */
  cacheName: string;
  /** ElastiCache user id. */
  userId: string;
  region: string;
  serverless?: boolean;
  credentials: AwsCredentialIdentityProvider;
}

/**
 * Signs ElastiCache IAM auth tokens: a SigV4-presigned `GET http://<cache>/?Action=connect&User=<user>` for the
 * `elasticache` service, valid 15 minutes, sent without its scheme as the AUTH password.
 */
export function elastiCacheTokenSigner(params: ElastiCacheSignerParams): () => Promise<string> {
  const signer = new SignatureV4({
    service: 'elasticache',
    region: params.region,
    credentials: params.credentials,
    sha256: Sha256,
  });
  return async () => {
    const request = new HttpRequest({
      method: 'GET',
      protocol: 'http:',
      hostname: params.cacheName,
      path: '/',
      query: {
        Action: 'connect',
        User: params.userId,
        ...(params.serverless ? { ResourceType: 'ServerlessCache' } : {}),
      },
      headers: { host: params.cacheName },
    });
    const signed = await signer.presign(request, { expiresIn: ELASTICACHE_TOKEN_LIFETIME_SECONDS });
    return `${params.cacheName}/?${buildQueryString(signed.query ?? {})}`;
  };
}
