import { Logger } from '@nestjs/common';
import type { AwsCredentialsService } from '../aws/aws.credentials';
import { UnavailableError } from '../errors/domain-errors';
import { mapS3Error } from './storage.errors';

/** SigV4 refuses presigned URLs that live longer than a week. */
export const MAX_PRESIGNED_URL_SECONDS = 7 * 24 * 60 * 60;

const logger = new Logger('StorageUrlLifetime');

/** How long one presigned URL lives, and from when. */
export interface UrlLifetime {
  expiresIn: number;
  /** Whole second: X-Amz-Date has no fraction, so `expiresAt` is exact. */
  signingDate: Date;
  expiresAt: string;
}

/**
 * The lifetime of a URL signed now: the configured TTL, capped by SigV4's week and by the expiry of the
 * credentials that sign it (an assumed-role or ECS task session: a URL signed with it dies with it).
 * The shared provider only ever hands out the same or fresher credentials, so the ones that sign right after
 * this check expire no earlier than the ones checked.
 */
export async function urlLifetime(ttlSeconds: number, credentials: AwsCredentialsService): Promise<UrlLifetime> {
  let expiration: Date | undefined;
  try {
    expiration = await credentials.expiration();
  } catch (error) {
    throw mapS3Error(error);
  }
  // Taken once the credentials are in hand: fetching them (an STS call) takes time the URL must not be dated before.
  const signingDate = new Date(Math.floor(Date.now() / 1000) * 1000);
  let expiresIn = Math.min(ttlSeconds, MAX_PRESIGNED_URL_SECONDS);
  if (expiration !== undefined) {
    expiresIn = Math.min(expiresIn, Math.floor((expiration.getTime() - signingDate.getTime()) / 1000));
  }
  if (expiresIn < 1) {
    logger.error('The storage credentials have expired; no URL can be signed');
    throw new UnavailableError('storage', 5);
  }
  return { expiresIn, signingDate, expiresAt: new Date(signingDate.getTime() + expiresIn * 1000).toISOString() };
}
