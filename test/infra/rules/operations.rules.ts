import { referencesIn } from '../support/hcl-values';
import {
  block,
  blocks,
  isSet,
  isTrue,
  isWildcardPrincipal,
  num,
  statements,
  strings,
  textOf,
  type Rule,
} from '../support/policy';

/** Retention values CloudWatch Logs accepts. */
const RETENTIONS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
const LONG_RETENTION_ROOTS = ['prod', 'dr'];

export const cloudwatchRules: Rule[] = [
  {
    id: 'NAV_CW_001',
    family: 'CloudWatch',
    checkov: ['CKV_AWS_66'],
    title: 'Every log group sets a retention CloudWatch accepts',
    subjects: ['aws_cloudwatch_log_group'],
    check(group) {
      const days = num(group.body.retention_in_days);
      return days !== undefined && RETENTIONS.includes(days)
        ? []
        : [`retention_in_days ${textOf(group.body.retention_in_days)}`];
    },
  },
  {
    id: 'NAV_CW_002',
    family: 'CloudWatch',
    checkov: ['CKV_AWS_158'],
    title: 'Every log group is encrypted with a customer managed key',
    subjects: ['aws_cloudwatch_log_group'],
    check: (group) => (isSet(group.body.kms_key_id) ? [] : ['no kms_key_id']),
  },
  {
    id: 'NAV_CW_003',
    family: 'CloudWatch',
    checkov: ['CKV_AWS_338'],
    title: 'Production and DR logs are kept at least a year',
    subjects: ['aws_cloudwatch_log_group'],
    check(group) {
      if (!LONG_RETENTION_ROOTS.includes(group.instance.root)) return [];
      return (num(group.body.retention_in_days) ?? 0) >= 365 ? [] : ['retention shorter than 365 days'];
    },
  },
  {
    id: 'NAV_CW_004',
    family: 'CloudWatch',
    checkov: ['CKV_AWS_319'],
    title: 'Alarms have their actions enabled and notify someone',
    subjects: ['aws_cloudwatch_metric_alarm'],
    check: (alarm) =>
      alarm.body.actions_enabled !== false && strings(alarm.body.alarm_actions).length > 0
        ? []
        : ['alarm notifies nobody'],
  },
  {
    id: 'NAV_CW_005',
    family: 'CloudWatch',
    checkov: ['CKV_AWS_26'],
    title: 'SNS topics are encrypted with a customer managed key',
    subjects: ['aws_sns_topic'],
    check: (topic) => (isSet(topic.body.kms_master_key_id) ? [] : ['no kms_master_key_id']),
  },
  {
    id: 'NAV_CW_006',
    family: 'CloudWatch',
    checkov: ['CKV_AWS_27', 'CKV2_AWS_73'],
    title: 'SQS queues are encrypted with a customer managed key, not the SQS-owned key',
    subjects: ['aws_sqs_queue'],
    check: (queue) =>
      isSet(queue.body.kms_master_key_id) && !isTrue(queue.body.sqs_managed_sse_enabled)
        ? []
        : ['queue not encrypted with a CMK'],
  },
  {
    id: 'NAV_CW_007',
    family: 'CloudWatch',
    checkov: ['CKV_AWS_149'],
    title: 'Secrets Manager secrets are encrypted with a customer managed key',
    subjects: ['aws_secretsmanager_secret'],
    check: (secret) => (isSet(secret.body.kms_key_id) ? [] : ['no kms_key_id']),
  },
];

export const ecrRules: Rule[] = [
  {
    id: 'NAV_ECR_001',
    family: 'ECR',
    checkov: ['CKV_AWS_51'],
    title: 'Image tags are immutable',
    subjects: ['aws_ecr_repository'],
    check: (repo) => (textOf(repo.body.image_tag_mutability) === 'IMMUTABLE' ? [] : ['tags are mutable']),
  },
  {
    id: 'NAV_ECR_002',
    family: 'ECR',
    checkov: ['CKV_AWS_163'],
    title: 'Images are scanned on push',
    subjects: ['aws_ecr_repository'],
    check: (repo) =>
      isTrue(block(repo.body.image_scanning_configuration)?.scan_on_push) ? [] : ['scan_on_push is off'],
  },
  {
    id: 'NAV_ECR_003',
    family: 'ECR',
    checkov: ['CKV_AWS_136'],
    title: 'Images are encrypted with a customer managed key',
    subjects: ['aws_ecr_repository'],
    check(repo) {
      const encryption = block(repo.body.encryption_configuration);
      return textOf(encryption?.encryption_type) === 'KMS' && isSet(encryption?.kms_key)
        ? []
        : ['not KMS-encrypted with a CMK'];
    },
  },
];

ecrRules.push({
  id: 'NAV_ECR_004',
  family: 'ECR',
  checkov: ['CKV_AWS_32'],
  title: 'Repository policies name accounts or roles, never everyone',
  subjects: ['aws_ecr_repository_policy'],
  check(policy, model) {
    const refs = referencesIn(policy.body.policy);
    const documents = model
      .siblings(policy, 'aws_iam_policy_document', 'data')
      .filter((doc) => refs.includes(`data.aws_iam_policy_document.${doc.name}`));
    if (documents.length === 0) return ['policy is not an aws_iam_policy_document'];
    return documents
      .flatMap(statements)
      .filter((s) => s.effect === 'Allow' && s.principals.some(isWildcardPrincipal))
      .map((s) => `statement ${s.sid || '?'} allows everyone`);
  },
});

export const lambdaRules: Rule[] = [
  {
    id: 'NAV_LMB_001',
    family: 'Lambda',
    checkov: ['CKV_AWS_50'],
    title: 'Functions are traced with X-Ray',
    subjects: ['aws_lambda_function'],
    check: (fn) => (textOf(block(fn.body.tracing_config)?.mode) === 'Active' ? [] : ['tracing is not Active']),
  },
  {
    id: 'NAV_LMB_002',
    family: 'Lambda',
    checkov: ['CKV_AWS_117'],
    title: 'Functions run inside the VPC',
    subjects: ['aws_lambda_function'],
    check: (fn) => {
      const vpc = block(fn.body.vpc_config);
      return vpc && isSet(vpc.subnet_ids) && isSet(vpc.security_group_ids) ? [] : ['no vpc_config'];
    },
  },
  {
    id: 'NAV_LMB_003',
    family: 'Lambda',
    checkov: ['CKV_AWS_115'],
    title: 'Functions have a concurrency limit',
    subjects: ['aws_lambda_function'],
    check: (fn) => ((num(fn.body.reserved_concurrent_executions) ?? -1) > 0 ? [] : ['no reserved concurrency']),
  },
  {
    id: 'NAV_LMB_004',
    family: 'Lambda',
    checkov: ['CKV_AWS_45'],
    title: 'Function environments carry no secrets, only references to them',
    subjects: ['aws_lambda_function'],
    check: (fn) => {
      const variables = block(fn.body.environment)?.variables;
      const names =
        variables && typeof variables === 'object' && !Array.isArray(variables) ? Object.keys(variables) : [];
      return names
        .filter((name) => /(SECRET|PASSWORD|TOKEN|PRIVATE_KEY)/.test(name) && !/_(ID|ARN|NAME)$/.test(name))
        .map((name) => `${name} in the environment`);
    },
  },
];

export const backupRules: Rule[] = [
  {
    id: 'NAV_BKP_001',
    family: 'Backup',
    checkov: ['CKV_AWS_166'],
    title: 'Backup vaults are encrypted with a customer managed key',
    subjects: ['aws_backup_vault'],
    check: (vault) => (isSet(vault.body.kms_key_arn) ? [] : ['no kms_key_arn']),
  },
  {
    id: 'NAV_BKP_002',
    family: 'Backup',
    checkov: ['CKV_AWS_144 (analogue: cross-region copy of backups)'],
    title: 'Production backup plans copy every recovery point to the DR region',
    subjects: ['aws_backup_plan'],
    check(plan, model) {
      if (plan.instance.root !== 'prod') return [];
      const rules = blocks(plan.body.rule);
      const copies = rules.every((rule) =>
        blocks(rule.copy_action).some(
          (copy) => isSet(copy.destination_vault_arn) && isSet(block(copy.lifecycle)?.delete_after),
        ),
      );
      // The destination must come from a module instance running on the DR-region provider.
      const destinations = rules.flatMap((rule) => referencesIn(rule.copy_action)).map((ref) => ref.split('.')[1]);
      const toOtherRegion =
        destinations.length > 0 &&
        destinations.every((call) =>
          model.instances.some((i) => i.root === plan.instance.root && i.callName === call && i.providerAlias === 'dr'),
        );
      return rules.length > 0 && copies && toOtherRegion
        ? []
        : ['recovery points are not copied to a vault in the DR region'];
    },
  },
];
