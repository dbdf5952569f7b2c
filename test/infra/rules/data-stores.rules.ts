import type { Model, Resource } from '../support/hcl-model';
import {
  blocks,
  isFalse,
  isSet,
  isTrue,
  isWildcardPrincipal,
  num,
  statements,
  textOf,
  type Rule,
} from '../support/policy';
import { referencesIn } from '../support/hcl-values';

function keyPolicy(key: Resource, model: Model): Resource | undefined {
  const refs = referencesIn(key.body.policy);
  return model
    .siblings(key, 'aws_iam_policy_document', 'data')
    .find((doc) => refs.includes(`data.aws_iam_policy_document.${doc.name}`));
}

const CONFUSED_DEPUTY_KEYS = ['aws:SourceAccount', 'aws:SourceArn', 'kms:ViaService', 'kms:CallerAccount'];

export const elasticacheRules: Rule[] = [
  {
    id: 'NAV_EC_001',
    family: 'ElastiCache',
    checkov: ['CKV_AWS_29', 'CKV_AWS_191'],
    title: 'Data at rest is encrypted with a customer managed key',
    subjects: ['aws_elasticache_replication_group'],
    check: (rg) =>
      isTrue(rg.body.at_rest_encryption_enabled) && isSet(rg.body.kms_key_id)
        ? []
        : ['at-rest encryption without a CMK'],
  },
  {
    id: 'NAV_EC_002',
    family: 'ElastiCache',
    checkov: ['CKV_AWS_30'],
    title: 'TLS is required in transit',
    subjects: ['aws_elasticache_replication_group'],
    check: (rg) =>
      isTrue(rg.body.transit_encryption_enabled) && textOf(rg.body.transit_encryption_mode) === 'required'
        ? []
        : ['transit encryption is not required'],
  },
  {
    id: 'NAV_EC_003',
    family: 'ElastiCache',
    checkov: ['CKV_AWS_31'],
    title: 'Clients authenticate (AUTH token or an RBAC user group)',
    subjects: ['aws_elasticache_replication_group'],
    check: (rg) =>
      isSet(rg.body.auth_token) || isSet(rg.body.user_group_ids) ? [] : ['no auth token and no user group'],
  },
  {
    id: 'NAV_EC_004',
    family: 'ElastiCache',
    checkov: ['CKV2_AWS_50'],
    title: 'Multi-AZ with automatic failover',
    subjects: ['aws_elasticache_replication_group'],
    check: (rg) =>
      isTrue(rg.body.automatic_failover_enabled) && isTrue(rg.body.multi_az_enabled)
        ? []
        : ['no Multi-AZ automatic failover'],
  },
  {
    id: 'NAV_EC_005',
    family: 'ElastiCache',
    checkov: ['CKV_AWS_134'],
    title: 'Automatic snapshots are kept',
    subjects: ['aws_elasticache_replication_group'],
    check: (rg) => ((num(rg.body.snapshot_retention_limit) ?? 0) >= 1 ? [] : ['snapshot_retention_limit below 1']),
  },
  {
    id: 'NAV_EC_006',
    family: 'ElastiCache',
    checkov: ['CKV_AWS_322'],
    title: 'Minor upgrades are automatic on a pinned engine version',
    subjects: ['aws_elasticache_replication_group'],
    check(rg) {
      const problems = isTrue(rg.body.auto_minor_version_upgrade) ? [] : ['auto_minor_version_upgrade is not true'];
      if (!/^\d+\.\d+$/.test(textOf(rg.body.engine_version)))
        problems.push('engine_version is not pinned to major.minor');
      return problems;
    },
  },
  {
    id: 'NAV_EC_007',
    family: 'ElastiCache',
    checkov: ['CKV_AWS_323'],
    title: 'The group uses its own subnet group, not the default one',
    subjects: ['aws_elasticache_replication_group'],
    check: (rg) =>
      referencesIn(rg.body.subnet_group_name).some((ref) => ref.startsWith('aws_elasticache_subnet_group.'))
        ? []
        : ['no dedicated aws_elasticache_subnet_group'],
  },
  {
    id: 'NAV_EC_008',
    family: 'ElastiCache',
    checkov: ['CKV_AWS_129 (analogue: engine logs exported)'],
    title: 'The slow log is delivered to CloudWatch Logs',
    subjects: ['aws_elasticache_replication_group'],
    check: (rg) =>
      blocks(rg.body.log_delivery_configuration).some(
        (c) => textOf(c.log_type) === 'slow-log' && textOf(c.destination_type) === 'cloudwatch-logs',
      )
        ? []
        : ['slow log not delivered to CloudWatch Logs'],
  },
];

export const kmsRules: Rule[] = [
  {
    id: 'NAV_KMS_001',
    family: 'KMS',
    checkov: ['CKV_AWS_7'],
    title: 'Key rotation is enabled',
    subjects: ['aws_kms_key'],
    check: (key) => (isTrue(key.body.enable_key_rotation) ? [] : ['enable_key_rotation is not true']),
  },
  {
    id: 'NAV_KMS_002',
    family: 'KMS',
    checkov: ['CKV2_AWS_64'],
    title: 'Every key has an explicit key policy written as a policy document',
    subjects: ['aws_kms_key'],
    check: (key, model) => (keyPolicy(key, model) ? [] : ['no explicit key policy from an aws_iam_policy_document']),
  },
  {
    id: 'NAV_KMS_003',
    family: 'KMS',
    checkov: ['CKV_AWS_33'],
    title: 'Key policies allow no wildcard principal',
    subjects: ['aws_kms_key'],
    check(key, model) {
      const doc = keyPolicy(key, model);
      if (!doc) return [];
      return statements(doc)
        .filter((s) => s.effect === 'Allow' && s.principals.some(isWildcardPrincipal))
        .map((s) => `statement ${s.sid || '?'} allows any principal`);
    },
  },
  {
    id: 'NAV_KMS_004',
    family: 'KMS',
    checkov: ['CKV_AWS_227'],
    title: 'Keys are not disabled',
    subjects: ['aws_kms_key'],
    check: (key) => (isFalse(key.body.is_enabled) ? ['is_enabled is false'] : []),
  },
  {
    id: 'NAV_KMS_005',
    family: 'KMS',
    checkov: ['CKV_AWS_109'],
    title: 'Key policies enumerate the KMS actions they grant (no kms:*)',
    subjects: ['aws_kms_key'],
    check(key, model) {
      const doc = keyPolicy(key, model);
      if (!doc) return [];
      return statements(doc)
        .filter((s) => s.effect === 'Allow' && s.actions.some((a) => a === 'kms:*' || a === '*'))
        .map((s) => `statement ${s.sid || '?'} grants kms:*`);
    },
  },
  {
    id: 'NAV_KMS_006',
    family: 'KMS',
    checkov: ['CKV_AWS_33'],
    title: 'Service principals in key policies are bound to this account (confused-deputy conditions)',
    subjects: ['aws_kms_key'],
    check(key, model) {
      const doc = keyPolicy(key, model);
      if (!doc) return [];
      return statements(doc)
        .filter((s) => s.effect === 'Allow' && s.principals.some((p) => p.type === 'Service'))
        .filter(
          (s) =>
            !s.conditions.some(
              (c) => CONFUSED_DEPUTY_KEYS.includes(c.variable) || c.variable.startsWith('kms:EncryptionContext:'),
            ),
        )
        .map((s) => `statement ${s.sid || '?'} trusts a service principal without a source condition`);
    },
  },
];
