/**
 * The environment that points a service at stand-ins running outside it, as its real endpoints would be in
 * production: an S3-compatible endpoint (s3rver, whose own keys are the AWS credentials) and an OIDC issuer, with the
 * tenant and client the service answers for. Tests and benchmarks that start the service as a process share it.
 */
export function standInsEnv(
  s3: { endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } },
  bucket: string,
  issuer: { authorityHost: string },
  audience: { tenantId: string; clientId: string },
): Record<string, string> {
  return {
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: bucket,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    ENTRA_AUTHORITY_HOST: issuer.authorityHost,
    ENTRA_TENANT_ID: audience.tenantId,
    ENTRA_CLIENT_ID: audience.clientId,
  };
}
