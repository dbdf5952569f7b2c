import type { Model, Resource } from '../support/hcl-model';
import {
  attachedTo,
  block,
  blocks,
  isSet,
  isTrue,
  isWildcardPrincipal,
  statements,
  strings,
  textOf,
  type Rule,
} from '../support/policy';
import { referencesIn } from '../support/hcl-values';

/** The policy document a bucket's aws_s3_bucket_policy embeds. */
function bucketPolicyDocuments(bucket: Resource, model: Model): Resource[] {
  const policies = attachedTo(model, bucket, 'aws_s3_bucket_policy');
  const names = policies.flatMap((policy) => referencesIn(policy.body.policy));
  return model
    .siblings(bucket, 'aws_iam_policy_document', 'data')
    .filter((doc) => names.includes(`data.aws_iam_policy_document.${doc.name}`));
}

const PRODUCTION_ROOTS = ['prod'];

export const s3Rules: Rule[] = [
  {
    id: 'NAV_S3_001',
    family: 'S3',
    checkov: ['CKV2_AWS_6', 'CKV_AWS_53', 'CKV_AWS_54', 'CKV_AWS_55', 'CKV_AWS_56'],
    title: 'Every bucket has a public access block with all four settings on',
    subjects: ['aws_s3_bucket'],
    check(bucket, model) {
      const blocksFound = attachedTo(model, bucket, 'aws_s3_bucket_public_access_block');
      if (blocksFound.length === 0) return ['no aws_s3_bucket_public_access_block'];
      const keys = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'];
      return blocksFound.flatMap((pab) =>
        keys.filter((key) => !isTrue(pab.body[key])).map((key) => `${key} is not true`),
      );
    },
  },
  {
    id: 'NAV_S3_002',
    family: 'S3',
    checkov: ['CKV_AWS_19'],
    title: 'Every bucket has default server-side encryption',
    subjects: ['aws_s3_bucket'],
    check(bucket, model) {
      const sse = attachedTo(model, bucket, 'aws_s3_bucket_server_side_encryption_configuration');
      const algorithm = sse
        .flatMap((c) => blocks(c.body.rule))
        .map((r) => block(r.apply_server_side_encryption_by_default));
      return algorithm.some((a) => a && ['aws:kms', 'aws:kms:dsse', 'AES256'].includes(textOf(a.sse_algorithm)))
        ? []
        : ['no default encryption'];
    },
  },
  {
    id: 'NAV_S3_003',
    family: 'S3',
    checkov: ['CKV_AWS_145'],
    title: 'Buckets are encrypted with a customer managed KMS key and S3 bucket keys',
    subjects: ['aws_s3_bucket'],
    check(bucket, model) {
      const rules = attachedTo(model, bucket, 'aws_s3_bucket_server_side_encryption_configuration').flatMap((c) =>
        blocks(c.body.rule),
      );
      const ok = rules.some((rule) => {
        const byDefault = block(rule.apply_server_side_encryption_by_default);
        return (
          textOf(byDefault?.sse_algorithm) === 'aws:kms' &&
          isSet(byDefault?.kms_master_key_id) &&
          isTrue(rule.bucket_key_enabled)
        );
      });
      return ok ? [] : ['default encryption is not SSE-KMS with a customer key and bucket key'];
    },
  },
  {
    id: 'NAV_S3_004',
    family: 'S3',
    checkov: ['CKV_AWS_21'],
    title: 'Every bucket has versioning enabled',
    subjects: ['aws_s3_bucket'],
    check(bucket, model) {
      const enabled = attachedTo(model, bucket, 'aws_s3_bucket_versioning').some(
        (v) => textOf(block(v.body.versioning_configuration)?.status) === 'Enabled',
      );
      return enabled ? [] : ['versioning is not Enabled'];
    },
  },
  {
    id: 'NAV_S3_005',
    family: 'S3',
    checkov: ['CKV_AWS_18'],
    title: 'Every bucket writes server access logs to a log bucket',
    subjects: ['aws_s3_bucket'],
    check(bucket, model) {
      const logging = attachedTo(model, bucket, 'aws_s3_bucket_logging');
      return logging.some((l) => isSet(l.body.target_bucket)) ? [] : ['no aws_s3_bucket_logging'];
    },
  },
  {
    id: 'NAV_S3_006',
    family: 'S3',
    checkov: ['CKV2_AWS_65', 'CKV_AWS_20', 'CKV_AWS_57'],
    title: 'ACLs are disabled (BucketOwnerEnforced) and no ACL is granted',
    subjects: ['aws_s3_bucket'],
    check(bucket, model) {
      const problems: string[] = [];
      const enforced = attachedTo(model, bucket, 'aws_s3_bucket_ownership_controls').some(
        (o) => textOf(block(o.body.rule)?.object_ownership) === 'BucketOwnerEnforced',
      );
      if (!enforced) problems.push('object ownership is not BucketOwnerEnforced');
      if (isSet(bucket.body.acl)) problems.push('bucket sets an acl');
      if (attachedTo(model, bucket, 'aws_s3_bucket_acl').length > 0) problems.push('aws_s3_bucket_acl grants an ACL');
      return problems;
    },
  },
  {
    id: 'NAV_S3_007',
    family: 'S3',
    checkov: ['CKV_AWS_379'],
    title: 'The bucket policy denies every request that is not over TLS',
    subjects: ['aws_s3_bucket'],
    check(bucket, model) {
      const denies = bucketPolicyDocuments(bucket, model)
        .flatMap(statements)
        .some(
          (s) =>
            s.effect === 'Deny' &&
            s.actions.some((a) => a === 's3:*' || a === '*') &&
            s.resources.some((r) => r.endsWith('/*')) &&
            s.conditions.some((c) => c.variable === 'aws:SecureTransport' && c.values.includes('false')),
        );
      return denies ? [] : ['no Deny of aws:SecureTransport=false on the bucket and its objects'];
    },
  },
  {
    id: 'NAV_S3_008',
    family: 'S3',
    checkov: ['CKV_AWS_145'],
    title: 'KMS buckets deny uploads that ask for another algorithm or another key',
    subjects: ['aws_s3_bucket'],
    check(bucket, model) {
      const kms = attachedTo(model, bucket, 'aws_s3_bucket_server_side_encryption_configuration')
        .flatMap((c) => blocks(c.body.rule))
        .some((r) => textOf(block(r.apply_server_side_encryption_by_default)?.sse_algorithm) === 'aws:kms');
      if (!kms) return [];
      const denied = new Set(
        bucketPolicyDocuments(bucket, model)
          .flatMap(statements)
          .filter((s) => s.effect === 'Deny' && s.actions.includes('s3:PutObject'))
          .flatMap((s) => s.conditions.map((c) => c.variable)),
      );
      return ['s3:x-amz-server-side-encryption', 's3:x-amz-server-side-encryption-aws-kms-key-id']
        .filter((key) => !denied.has(key))
        .map((key) => `no Deny of PutObject on ${key}`);
    },
  },
  {
    id: 'NAV_S3_009',
    family: 'S3',
    checkov: ['CKV2_AWS_61', 'CKV_AWS_300'],
    title: 'Every bucket has a lifecycle configuration that aborts incomplete multipart uploads',
    subjects: ['aws_s3_bucket'],
    check(bucket, model) {
      const rules = attachedTo(model, bucket, 'aws_s3_bucket_lifecycle_configuration').flatMap((l) =>
        blocks(l.body.rule),
      );
      if (rules.length === 0) return ['no lifecycle configuration'];
      const aborts = rules.some(
        (r) =>
          textOf(r.status) === 'Enabled' && isSet(block(r.abort_incomplete_multipart_upload)?.days_after_initiation),
      );
      return aborts ? [] : ['no enabled rule aborts incomplete multipart uploads'];
    },
  },
  {
    id: 'NAV_S3_010',
    family: 'S3',
    checkov: ['CKV_AWS_70', 'CKV_AWS_93'],
    title: 'Bucket policies allow no wildcard principal and no wildcard action',
    subjects: ['aws_s3_bucket'],
    check(bucket, model) {
      return bucketPolicyDocuments(bucket, model)
        .flatMap(statements)
        .filter((s) => s.effect === 'Allow')
        .flatMap((s) => [
          ...(s.principals.some(isWildcardPrincipal) ? [`statement ${s.sid || '?'} allows any principal`] : []),
          ...(s.actions.some((a) => a === '*' || a === 's3:*')
            ? [`statement ${s.sid || '?'} allows every action`]
            : []),
        ]);
    },
  },
  {
    id: 'NAV_S3_011',
    family: 'S3',
    checkov: ['CKV2_AWS_62'],
    title: 'Buckets send event notifications',
    subjects: ['aws_s3_bucket'],
    check(bucket, model) {
      const notifications = attachedTo(model, bucket, 'aws_s3_bucket_notification');
      const configured = notifications.some((n) =>
        ['queue', 'topic', 'lambda_function'].some((k) => blocks(n.body[k]).length > 0),
      );
      return configured ? [] : ['no aws_s3_bucket_notification with a destination'];
    },
  },
  {
    id: 'NAV_S3_012',
    family: 'S3',
    checkov: ['CKV_AWS_144'],
    title: 'Production buckets replicate to another region, KMS-encrypted objects included',
    subjects: ['aws_s3_bucket'],
    check(bucket, model) {
      if (!PRODUCTION_ROOTS.includes(bucket.instance.root)) return [];
      const replication = attachedTo(model, bucket, 'aws_s3_bucket_replication_configuration');
      if (replication.length === 0) return ['no cross-region replication'];
      return replication.flatMap((r) =>
        blocks(r.body.rule).flatMap((rule) => {
          const problems: string[] = [];
          if (textOf(rule.status) !== 'Enabled') problems.push(`rule ${textOf(rule.id)} is not Enabled`);
          const sse = block(block(rule.source_selection_criteria)?.sse_kms_encrypted_objects);
          if (textOf(sse?.status) !== 'Enabled') problems.push('KMS-encrypted objects are not replicated');
          if (!isSet(block(block(rule.destination)?.encryption_configuration)?.replica_kms_key_id)) {
            problems.push('replicas are not encrypted with a destination KMS key');
          }
          return problems;
        }),
      );
    },
  },
  {
    id: 'NAV_S3_013',
    family: 'S3',
    checkov: ['CKV2_AWS_75'],
    title: 'CORS names explicit https origins, never a wildcard',
    subjects: ['aws_s3_bucket_cors_configuration'],
    check(cors) {
      return blocks(cors.body.cors_rule).flatMap((rule) =>
        strings(rule.allowed_origins)
          .filter((origin) => origin.includes('*') || !/^https:\/\//.test(origin) || origin.includes('${'))
          .map((origin) => `origin ${origin} is not an explicit https origin`),
      );
    },
  },
  {
    id: 'NAV_S3_014',
    family: 'S3',
    checkov: ['CKV_AWS_392'],
    title: 'Access points block public access and are reachable from the VPC only',
    subjects: ['aws_s3_access_point'],
    check(accessPoint) {
      const pab = block(accessPoint.body.public_access_block_configuration);
      const keys = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'];
      const problems = keys.filter((key) => !isTrue(pab?.[key])).map((key) => `${key} is not true`);
      if (!isSet(block(accessPoint.body.vpc_configuration)?.vpc_id)) problems.push('no vpc_configuration');
      return problems;
    },
  },
];
