import type { Model, Resource } from '../support/hcl-model';
import { referencesIn } from '../support/hcl-values';
import { blocks, isFalse, isSet, isTrue, num, strings, textOf, type Rule } from '../support/policy';

/** The parameter group a DB instance names, from the same module instance. */
function parameterGroup(instance: Resource, model: Model): Resource | undefined {
  const names = referencesIn(instance.body.parameter_group_name);
  return model
    .siblings(instance, 'aws_db_parameter_group')
    .find((group) => names.includes(`aws_db_parameter_group.${group.name}`));
}

function parameters(instance: Resource, model: Model): Map<string, string> {
  const group = parameterGroup(instance, model);
  return new Map(blocks(group?.body.parameter).map((p) => [textOf(p.name), textOf(p.value)]));
}

const MODERN_CA = ['rds-ca-rsa2048-g1', 'rds-ca-rsa4096-g1', 'rds-ca-ecc384-g1'];

export const rdsRules: Rule[] = [
  {
    id: 'NAV_RDS_001',
    family: 'RDS',
    checkov: ['CKV_AWS_16'],
    title: 'Storage is encrypted with a customer managed key',
    subjects: ['aws_db_instance'],
    check: (db) =>
      isTrue(db.body.storage_encrypted) && isSet(db.body.kms_key_id) ? [] : ['storage not encrypted with a CMK'],
  },
  {
    id: 'NAV_RDS_002',
    family: 'RDS',
    checkov: ['CKV_AWS_17'],
    title: 'The instance is explicitly not publicly accessible',
    subjects: ['aws_db_instance'],
    check: (db) => (isFalse(db.body.publicly_accessible) ? [] : ['publicly_accessible is not false']),
  },
  {
    id: 'NAV_RDS_003',
    family: 'RDS',
    checkov: ['CKV_AWS_157'],
    title: 'Multi-AZ is enabled',
    subjects: ['aws_db_instance'],
    check: (db) => (isTrue(db.body.multi_az) ? [] : ['multi_az is not true']),
  },
  {
    id: 'NAV_RDS_004',
    family: 'RDS',
    checkov: ['CKV_AWS_161'],
    title: 'IAM database authentication is enabled',
    subjects: ['aws_db_instance'],
    check: (db) => (isTrue(db.body.iam_database_authentication_enabled) ? [] : ['IAM authentication is off']),
  },
  {
    id: 'NAV_RDS_005',
    family: 'RDS',
    checkov: ['CKV_AWS_118'],
    title: 'Enhanced monitoring is on, with its role',
    subjects: ['aws_db_instance'],
    check: (db) =>
      (num(db.body.monitoring_interval) ?? 0) > 0 && isSet(db.body.monitoring_role_arn)
        ? []
        : ['enhanced monitoring is off'],
  },
  {
    id: 'NAV_RDS_006',
    family: 'RDS',
    checkov: ['CKV_AWS_129'],
    title: 'PostgreSQL and upgrade logs are exported to CloudWatch',
    subjects: ['aws_db_instance'],
    check(db) {
      const exported = strings(db.body.enabled_cloudwatch_logs_exports);
      return ['postgresql', 'upgrade'].filter((log) => !exported.includes(log)).map((log) => `${log} log not exported`);
    },
  },
  {
    id: 'NAV_RDS_007',
    family: 'RDS',
    checkov: ['CKV_AWS_133'],
    title: 'Automated backups are kept at least 7 days',
    subjects: ['aws_db_instance'],
    check: (db) => ((num(db.body.backup_retention_period) ?? 0) >= 7 ? [] : ['backup_retention_period below 7 days']),
  },
  {
    id: 'NAV_RDS_008',
    family: 'RDS',
    checkov: ['CKV_AWS_226'],
    title: 'Minor versions are applied automatically on a pinned major version',
    subjects: ['aws_db_instance'],
    check(db) {
      const problems = isTrue(db.body.auto_minor_version_upgrade) ? [] : ['auto_minor_version_upgrade is not true'];
      if (!/^\d+(\.\d+)?$/.test(textOf(db.body.engine_version))) problems.push('engine_version is not pinned');
      return problems;
    },
  },
  {
    id: 'NAV_RDS_009',
    family: 'RDS',
    checkov: ['CKV_AWS_293'],
    title: 'Deletion protection is on and a final snapshot is taken',
    subjects: ['aws_db_instance'],
    check(db) {
      const problems = isTrue(db.body.deletion_protection) ? [] : ['deletion_protection is not true'];
      if (!isFalse(db.body.skip_final_snapshot) || !isSet(db.body.final_snapshot_identifier)) {
        problems.push('no final snapshot');
      }
      return problems;
    },
  },
  {
    id: 'NAV_RDS_010',
    family: 'RDS',
    checkov: ['CKV_AWS_353', 'CKV_AWS_354'],
    title: 'Performance Insights is on and encrypted with a customer managed key',
    subjects: ['aws_db_instance'],
    check: (db) =>
      isTrue(db.body.performance_insights_enabled) && isSet(db.body.performance_insights_kms_key_id)
        ? []
        : ['Performance Insights off or not KMS-encrypted'],
  },
  {
    id: 'NAV_RDS_011',
    family: 'RDS',
    checkov: ['CKV2_AWS_60'],
    title: 'Tags are copied to snapshots',
    subjects: ['aws_db_instance'],
    check: (db) => (isTrue(db.body.copy_tags_to_snapshot) ? [] : ['copy_tags_to_snapshot is not true']),
  },
  {
    id: 'NAV_RDS_012',
    family: 'RDS',
    checkov: ['CKV_AWS_211'],
    title: 'The instance uses a current RDS certificate authority',
    subjects: ['aws_db_instance'],
    check: (db) =>
      MODERN_CA.includes(textOf(db.body.ca_cert_identifier)) ? [] : ['ca_cert_identifier is not a current CA'],
  },
  {
    id: 'NAV_RDS_013',
    family: 'RDS',
    checkov: ['CKV2_AWS_69'],
    title: 'The parameter group forces TLS (rds.force_ssl = 1)',
    subjects: ['aws_db_instance'],
    check: (db, model) => (parameters(db, model).get('rds.force_ssl') === '1' ? [] : ['rds.force_ssl is not 1']),
  },
  {
    id: 'NAV_RDS_014',
    family: 'RDS',
    checkov: ['CKV2_AWS_30'],
    title: 'The parameter group logs DDL and slow statements',
    subjects: ['aws_db_instance'],
    check(db, model) {
      const params = parameters(db, model);
      const problems =
        params.get('log_statement') === 'ddl' || params.get('log_statement') === 'all' ? [] : ['log_statement'];
      const slow = Number(params.get('log_min_duration_statement'));
      if (!(slow >= 0)) problems.push('log_min_duration_statement');
      return problems.map((p) => `${p} not configured`);
    },
  },
  {
    id: 'NAV_RDS_015',
    family: 'RDS',
    checkov: ['CKV2_AWS_8'],
    title: 'Every DB instance is selected by an AWS Backup plan of its root',
    subjects: ['aws_db_instance'],
    check(db, model) {
      const call = db.instance.callName;
      const selected = model
        .inRoot(db.instance.root, 'aws_backup_selection')
        .some((selection) => referencesIn(selection.body.resources).includes(`module.${call}.arn`));
      return selected ? [] : ['not in any aws_backup_selection'];
    },
  },
];
