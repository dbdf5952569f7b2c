import type { Model, Resource } from '../support/hcl-model';
import { referencesIn } from '../support/hcl-values';
import { isWildcardPrincipal, statements, strings, textOf, usesOf, type Rule, type Statement } from '../support/policy';

/** Actions AWS authorizes only on "*": the one place a "*" resource is acceptable in an identity policy. */
export const UNSCOPABLE_ACTIONS = new Set([
  'ecr:GetAuthorizationToken',
  'ecs:RegisterTaskDefinition',
  'ecs:DescribeTaskDefinition',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'xray:GetSamplingStatisticSummaries',
  'cloudwatch:GetMetricData',
  'cloudwatch:ListMetrics',
  'logs:GetQueryResults',
]);

const ADMIN_POLICIES = /policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess)$/;

const allows = (doc: Resource): Statement[] => statements(doc).filter((s) => s.effect === 'Allow');

function documentsUsedAs(doc: Resource, model: Model, use: 'trust' | 'identity'): boolean {
  return usesOf(doc, model).includes(use);
}

/** sub values GitLab issues for protected refs of one literal project. */
const GITLAB_SUB =
  /^project_path:[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+:ref_type:(branch:ref:[A-Za-z0-9._/-]+|tag:ref:[A-Za-z0-9._/-]+\*?)$/;

export const iamRules: Rule[] = [
  {
    id: 'NAV_IAM_001',
    family: 'IAM',
    checkov: ['CKV_AWS_1', 'CKV_AWS_49', 'CKV_AWS_62', 'CKV_AWS_63'],
    title: 'No statement allows the "*" action, least of all on "*"',
    subjects: ['data.aws_iam_policy_document'],
    check: (doc) =>
      allows(doc)
        .filter((s) => s.actions.some((a) => a === '*' || a === '*:*'))
        .map((s) => `statement ${s.sid || '?'} allows "*"${s.resources.includes('*') ? ' on "*"' : ''}`),
  },
  {
    id: 'NAV_IAM_002',
    family: 'IAM',
    checkov: ['CKV_AWS_355', 'CKV_AWS_356'],
    title: 'Identity policies use the "*" resource only for actions that have no resource-level permissions',
    subjects: ['data.aws_iam_policy_document'],
    check(doc, model) {
      if (!documentsUsedAs(doc, model, 'identity')) return [];
      return allows(doc)
        .filter((s) => s.resources.includes('*'))
        .flatMap((s) => s.actions.filter((a) => !UNSCOPABLE_ACTIONS.has(a)).map((a) => `${a} allowed on "*"`));
    },
  },
  {
    id: 'NAV_IAM_003',
    family: 'IAM',
    checkov: ['CKV_AWS_109', 'CKV_AWS_111', 'CKV2_AWS_40'],
    title: 'Identity policies grant no service-wide wildcard (svc:*)',
    subjects: ['data.aws_iam_policy_document'],
    check(doc, model) {
      if (!documentsUsedAs(doc, model, 'identity')) return [];
      return allows(doc).flatMap((s) => s.actions.filter((a) => /^[a-z0-9-]+:\*$/.test(a)).map((a) => `${a} granted`));
    },
  },
  {
    id: 'NAV_IAM_004',
    family: 'IAM',
    checkov: ['CKV_AWS_60', 'CKV_AWS_61'],
    title: 'Trust policies name specific principals: no wildcard and no whole account',
    subjects: ['data.aws_iam_policy_document'],
    check(doc, model) {
      if (!documentsUsedAs(doc, model, 'trust')) return [];
      return allows(doc).flatMap((s) => [
        ...(s.principals.some(isWildcardPrincipal) ? [`statement ${s.sid || '?'} trusts any principal`] : []),
        ...s.principals
          .filter((p) => p.type === 'AWS')
          .flatMap((p) => p.identifiers.filter((id) => /:root$|^\d{12}$/.test(id)))
          .map((id) => `trusts the whole account ${id}`),
      ]);
    },
  },
  {
    id: 'NAV_IAM_005',
    family: 'IAM',
    checkov: ['CKV_AWS_358 (GitHub OIDC check, applied to GitLab)'],
    title: 'GitLab OIDC trust pins aud and sub to one project and its protected refs',
    subjects: ['data.aws_iam_policy_document'],
    check(doc) {
      return allows(doc)
        .filter((s) => s.actions.includes('sts:AssumeRoleWithWebIdentity'))
        .flatMap((s) => {
          const problems: string[] = [];
          const aud = s.conditions.find((c) => c.variable.endsWith(':aud'));
          if (!aud || aud.test !== 'StringEquals' || aud.values.length === 0)
            problems.push('aud is not pinned with StringEquals');
          const sub = s.conditions.find((c) => c.variable.endsWith(':sub'));
          if (!sub || !['StringEquals', 'StringLike'].includes(sub.test)) return [...problems, 'sub is not pinned'];
          for (const value of sub.values) {
            if (!GITLAB_SUB.test(value)) problems.push(`sub ${value} is not one project and one protected ref`);
          }
          if (sub.values.length === 0) problems.push('sub lists no value');
          return problems;
        });
    },
  },
  {
    id: 'NAV_IAM_006',
    family: 'IAM',
    checkov: ['CKV_AWS_61 (analogue: cross-account trust needs sts:ExternalId)'],
    title: 'A role trusted by another account requires an external id',
    subjects: ['data.aws_iam_policy_document'],
    check(doc, model) {
      if (!documentsUsedAs(doc, model, 'trust')) return [];
      return allows(doc)
        .filter((s) => s.actions.includes('sts:AssumeRole') && s.principals.some((p) => p.type === 'AWS'))
        .filter(
          (s) =>
            !s.conditions.some(
              (c) =>
                c.test === 'StringEquals' &&
                c.variable === 'sts:ExternalId' &&
                c.values.length > 0 &&
                c.values.every(Boolean),
            ),
        )
        .map((s) => `statement ${s.sid || '?'} trusts another account without sts:ExternalId`);
    },
  },
  {
    id: 'NAV_IAM_007',
    family: 'IAM',
    checkov: ['CKV_AWS_274', 'CKV_AWS_275', 'CKV2_AWS_56'],
    title: 'No role gets AdministratorAccess, PowerUserAccess or IAMFullAccess',
    subjects: ['aws_iam_role_policy_attachment', 'aws_iam_role'],
    check: (resource) =>
      [...strings(resource.body.policy_arn), ...strings(resource.body.managed_policy_arns)]
        .filter((arn) => ADMIN_POLICIES.test(arn))
        .map((arn) => `attaches ${arn}`),
  },
  {
    id: 'NAV_IAM_008',
    family: 'IAM',
    checkov: ['CKV_AWS_1 (analogue: every policy is checkable)'],
    title: 'Every policy is an aws_iam_policy_document (no inline JSON, no inline_policy)',
    subjects: [
      'aws_iam_role',
      'aws_iam_role_policy',
      'aws_iam_policy',
      'aws_kms_key',
      'aws_s3_bucket_policy',
      'aws_s3control_access_point_policy',
      'aws_sqs_queue_policy',
      'aws_sns_topic_policy',
    ],
    check(resource) {
      const attribute = resource.type === 'aws_iam_role' ? 'assume_role_policy' : 'policy';
      const problems = referencesIn(resource.body[attribute]).some((ref) =>
        ref.startsWith('data.aws_iam_policy_document.'),
      )
        ? []
        : [`${attribute} is not an aws_iam_policy_document`];
      if (
        resource.type === 'aws_iam_role' &&
        (resource.body.inline_policy !== undefined || resource.body.managed_policy_arns !== undefined)
      ) {
        problems.push('role uses inline_policy or managed_policy_arns');
      }
      return problems;
    },
  },
  {
    id: 'NAV_IAM_009',
    family: 'IAM',
    checkov: ['CKV_AWS_286', 'CKV_AWS_110'],
    title: 'iam:PassRole names its roles and the service they are passed to',
    subjects: ['data.aws_iam_policy_document'],
    check: (doc) =>
      allows(doc)
        .filter((s) => s.actions.some((a) => a === 'iam:PassRole' || a === 'iam:*'))
        .flatMap((s) => [
          ...(s.resources.includes('*') ? ['iam:PassRole on "*"'] : []),
          ...(s.conditions.some((c) => c.variable === 'iam:PassedToService')
            ? []
            : ['iam:PassRole without iam:PassedToService']),
        ]),
  },
  {
    id: 'NAV_IAM_010',
    family: 'IAM',
    checkov: ['CKV_AWS_111', 'CKV_AWS_108'],
    title: "The application's object access is confined to the document keys tenants/*/documents/*",
    subjects: ['data.aws_iam_policy_document'],
    check(doc, model) {
      if (!doc.instance.def.dir.endsWith('ecs-service') || !documentsUsedAs(doc, model, 'identity')) return [];
      const objectActions = /^s3:(Get|Put|Delete|Abort|ListMultipartUploadParts)/;
      return allows(doc)
        .filter((s) => s.actions.some((a) => objectActions.test(a)))
        .flatMap((s) =>
          s.resources.filter((r) => !r.endsWith('/tenants/*/documents/*')).map((r) => `object actions on ${r}`),
        );
    },
  },
  {
    id: 'NAV_IAM_011',
    family: 'IAM',
    checkov: ['CKV_AWS_168', 'CKV_AWS_169', 'CKV_AWS_72', 'CKV_AWS_387'],
    title: 'Queue and topic policies allow no wildcard principal or action',
    subjects: ['data.aws_iam_policy_document'],
    check(doc, model) {
      const queueOrTopic = ['aws_sqs_queue_policy', 'aws_sns_topic_policy'].some((type) =>
        model
          .siblings(doc, type)
          .some((r) => referencesIn(r.body.policy).includes(`data.aws_iam_policy_document.${doc.name}`)),
      );
      if (!queueOrTopic) return [];
      return allows(doc).flatMap((s) => [
        ...(s.principals.some(isWildcardPrincipal) ? [`statement ${s.sid || '?'} allows any principal`] : []),
        ...s.actions.filter((a) => a === '*' || a.endsWith(':*')).map((a) => `statement ${s.sid || '?'} allows ${a}`),
        ...(s.principals.some((p) => p.type === 'Service') &&
        !s.conditions.some((c) => ['aws:SourceArn', 'aws:SourceAccount'].includes(c.variable))
          ? [`statement ${s.sid || '?'} trusts a service without a source condition`]
          : []),
      ]);
    },
  },
];

export const policyText = (doc: Resource): string => textOf(doc.body);
