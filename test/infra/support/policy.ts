import { evaluate } from './hcl-eval';
import type { Model, Resource } from './hcl-model';
import { block, blocks, isExpr, isObj, referencesIn, strings, textOf, type Obj, type Value } from './hcl-values';

export type Family =
  'S3' | 'RDS' | 'ElastiCache' | 'KMS' | 'Network' | 'ECS' | 'ALB' | 'IAM' | 'CloudWatch' | 'ECR' | 'Backup' | 'Lambda';

/** A named security rule over the evaluated resources, mirroring checkov checks. */
export interface Rule {
  id: string;
  family: Family;
  /** The checkov checks this rule mirrors (an "analogue" note when checkov has no exact equivalent). */
  checkov: string[];
  title: string;
  /** Resource types the rule inspects ("data.<type>" for data sources). */
  subjects: string[];
  /** Failure messages for one resource; empty when it complies. */
  check(resource: Resource, model: Model): string[];
}

export interface Finding {
  rule: string;
  address: string;
  message: string;
  resource: Resource;
}

export function subjectsOf(model: Model, subject: string): Resource[] {
  return subject.startsWith('data.') ? model.ofType(subject.slice(5), 'data') : model.ofType(subject);
}

export function runRules(model: Model, rules: Rule[]): Finding[] {
  const findings: Finding[] = [];
  for (const rule of rules) {
    for (const subject of rule.subjects) {
      for (const resource of subjectsOf(model, subject)) {
        for (const message of rule.check(resource, model)) {
          findings.push({ rule: rule.id, address: resource.address, message, resource });
        }
      }
    }
  }
  return findings;
}

export const isTrue = (value: Value | undefined): boolean => value === true || value === 'true';
export const isFalse = (value: Value | undefined): boolean => value === false || value === 'false';
export const isSet = (value: Value | undefined): boolean =>
  value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0);

export function num(value: Value | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}

/** Resources of `type` in the same module instance whose `attribute` refers to `target`. */
export function attachedTo(model: Model, target: Resource, type: string, attribute = 'bucket'): Resource[] {
  const address = `${target.mode === 'data' ? 'data.' : ''}${target.type}.${target.name}`;
  return model.siblings(target, type).filter((candidate) => referencesIn(candidate.body[attribute]).includes(address));
}

/** Evaluates an expression (such as local.container_definitions) in the module instance of a resource. */
export function evaluateIn(resource: Resource, expression: string): Value {
  return evaluate(expression, resource.instance.scope);
}

/** The container definitions of a task definition, read from the local the jsonencode() call encodes. */
export function containerDefinitions(taskDefinition: Resource): Obj[] {
  const value = taskDefinition.body.container_definitions;
  if (Array.isArray(value)) return value.filter(isObj);
  const local = /jsonencode\((local\.\w+)\)/.exec(textOf(value));
  if (!local) return [];
  const definitions = evaluateIn(taskDefinition, local[1]!);
  return Array.isArray(definitions) ? definitions.filter(isObj) : [];
}

export interface Statement {
  effect: 'Allow' | 'Deny';
  actions: string[];
  notActions: string[];
  resources: string[];
  principals: Array<{ type: string; identifiers: string[] }>;
  conditions: Array<{ test: string; variable: string; values: string[] }>;
  sid: string;
}

export function statements(document: Resource): Statement[] {
  return blocks(document.body.statement).map((raw) => ({
    effect: raw.effect === 'Deny' ? 'Deny' : 'Allow',
    actions: strings(raw.actions),
    notActions: strings(raw.not_actions),
    resources: strings(raw.resources),
    principals: blocks(raw.principals).map((p) => ({ type: textOf(p.type), identifiers: strings(p.identifiers) })),
    conditions: blocks(raw.condition).map((c) => ({
      test: textOf(c.test),
      variable: textOf(c.variable),
      values: strings(c.values),
    })),
    sid: textOf(raw.sid),
  }));
}

export type PolicyUse = 'trust' | 'identity' | 'key' | 'resource';

const USES: Array<{ type: string; attribute: string; use: PolicyUse }> = [
  { type: 'aws_iam_role', attribute: 'assume_role_policy', use: 'trust' },
  { type: 'aws_iam_role_policy', attribute: 'policy', use: 'identity' },
  { type: 'aws_iam_policy', attribute: 'policy', use: 'identity' },
  { type: 'aws_kms_key', attribute: 'policy', use: 'key' },
  { type: 'aws_s3_bucket_policy', attribute: 'policy', use: 'resource' },
  { type: 'aws_s3control_access_point_policy', attribute: 'policy', use: 'resource' },
  { type: 'aws_sqs_queue_policy', attribute: 'policy', use: 'resource' },
  { type: 'aws_sns_topic_policy', attribute: 'policy', use: 'resource' },
  { type: 'aws_ecr_repository_policy', attribute: 'policy', use: 'resource' },
];

/** How a policy document is used: by the resources of its module instance that embed its JSON. */
export function usesOf(document: Resource, model: Model): PolicyUse[] {
  const address = `data.aws_iam_policy_document.${document.name}`;
  const found = new Set<PolicyUse>();
  for (const { type, attribute, use } of USES) {
    for (const resource of model.siblings(document, type)) {
      if (referencesIn(resource.body[attribute]).includes(address)) found.add(use);
    }
  }
  return [...found];
}

export const isWildcardPrincipal = (p: { type: string; identifiers: string[] }): boolean =>
  p.type === '*' || p.identifiers.some((id) => id === '*');

export { block, blocks, isExpr, isObj, strings, textOf };
