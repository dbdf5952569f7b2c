import { basename } from 'node:path';
import type { Resource } from './support/hcl-model';

/** A rule that knowingly does not hold for one resource of one module, and why. */
export interface Exemption {
  rule: string;
  module: string;
  resource: string;
  when?: (resource: Resource) => boolean;
  reason: string;
}

export const EXEMPTIONS: Exemption[] = [
  {
    rule: 'NAV_S3_003',
    module: 'log-bucket',
    resource: 'aws_s3_bucket.this',
    reason: 'ALB access logs and S3 server access logs are only delivered to SSE-S3 (AES256) buckets, never SSE-KMS.',
  },
  {
    rule: 'NAV_S3_005',
    module: 'log-bucket',
    resource: 'aws_s3_bucket.this',
    reason: 'The access-log bucket is the logging target; logging it into itself would loop.',
  },
  {
    rule: 'NAV_S3_011',
    module: 'log-bucket',
    resource: 'aws_s3_bucket.this',
    reason: 'Only AWS log delivery writes there and nothing consumes its object events.',
  },
  {
    rule: 'NAV_S3_011',
    module: 'state-bucket',
    resource: 'aws_s3_bucket.this',
    reason: 'Only Terraform writes state; versioning keeps every change and nothing consumes object events.',
  },
  {
    rule: 'NAV_S3_012',
    module: 'log-bucket',
    resource: 'aws_s3_bucket.this',
    reason: 'Access logs stay in their region; the DR region has its own log bucket.',
  },
  {
    rule: 'NAV_S3_012',
    module: 's3-documents',
    resource: 'aws_s3_bucket.this',
    when: (resource) => resource.instance.providerAlias === 'dr',
    reason: "This bucket is the DR-region replica, the destination of prod's replication.",
  },
];

export function exemptionFor(rule: string, resource: Resource): Exemption | undefined {
  return EXEMPTIONS.find(
    (exemption) =>
      exemption.rule === rule &&
      basename(resource.instance.def.dir) === exemption.module &&
      `${resource.type}.${resource.name}` === exemption.resource &&
      (exemption.when?.(resource) ?? true),
  );
}
