import { referencesIn } from '../support/hcl-values';
import {
  block,
  blocks,
  containerDefinitions,
  isObj,
  isSet,
  isTrue,
  strings,
  textOf,
  type Rule,
} from '../support/policy';

const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_KEY|CREDENTIAL|REDIS_URL|DATABASE_URL)/i;

export const ecsRules: Rule[] = [
  {
    id: 'NAV_ECS_001',
    family: 'ECS',
    checkov: ['CKV_AWS_65'],
    title: 'Container Insights is enabled on the cluster',
    subjects: ['aws_ecs_cluster'],
    check: (cluster) =>
      blocks(cluster.body.setting).some(
        (s) => textOf(s.name) === 'containerInsights' && ['enabled', 'enhanced'].includes(textOf(s.value)),
      )
        ? []
        : ['containerInsights is not enabled'],
  },
  {
    id: 'NAV_ECS_002',
    family: 'ECS',
    checkov: ['CKV_AWS_336'],
    title: 'Every container has a read-only root file system',
    subjects: ['aws_ecs_task_definition'],
    check: (task) =>
      containerDefinitions(task)
        .filter((c) => c.readonlyRootFilesystem !== true)
        .map((c) => `container ${textOf(c.name)} has a writable root file system`),
  },
  {
    id: 'NAV_ECS_003',
    family: 'ECS',
    checkov: ['CKV_AWS_334'],
    title: 'No container is privileged, and every container drops all Linux capabilities',
    subjects: ['aws_ecs_task_definition'],
    check: (task) =>
      containerDefinitions(task).flatMap((c) => {
        const problems = c.privileged === false ? [] : [`container ${textOf(c.name)} is not explicitly unprivileged`];
        const capabilities = isObj(c.linuxParameters) ? c.linuxParameters.capabilities : undefined;
        if (!isObj(capabilities) || !strings(capabilities.drop).includes('ALL')) {
          problems.push(`container ${textOf(c.name)} keeps Linux capabilities`);
        }
        return problems;
      }),
  },
  {
    id: 'NAV_ECS_004',
    family: 'ECS',
    checkov: ['CKV_AWS_334 (analogue: non-root user)'],
    title: 'Every container runs as a non-root user',
    subjects: ['aws_ecs_task_definition'],
    check: (task) =>
      containerDefinitions(task)
        .filter((c) => {
          const user = textOf(c.user);
          return !user || /^(root|0)(:|$)/.test(user) || user.includes('${');
        })
        .map((c) => `container ${textOf(c.name)} may run as root`),
  },
  {
    id: 'NAV_ECS_005',
    family: 'ECS',
    checkov: ['CKV_AWS_249'],
    title: 'The execution role and the task role are different roles',
    subjects: ['aws_ecs_task_definition'],
    check(task) {
      const execution = textOf(task.body.execution_role_arn);
      const taskRole = textOf(task.body.task_role_arn);
      if (!execution || !taskRole) return ['execution or task role missing'];
      return execution === taskRole ? ['execution role and task role are the same'] : [];
    },
  },
  {
    id: 'NAV_ECS_006',
    family: 'ECS',
    checkov: ['CKV_AWS_333'],
    title: 'Services get no public IP',
    subjects: ['aws_ecs_service'],
    check: (service) =>
      block(service.body.network_configuration)?.assign_public_ip === false ? [] : ['assign_public_ip is not false'],
  },
  {
    id: 'NAV_ECS_007',
    family: 'ECS',
    checkov: ['CKV_AWS_332'],
    title: 'Fargate services run on the LATEST platform version',
    subjects: ['aws_ecs_service'],
    check: (service) => (textOf(service.body.platform_version) === 'LATEST' ? [] : ['platform_version is not LATEST']),
  },
  {
    id: 'NAV_ECS_008',
    family: 'ECS',
    checkov: ['CKV_AWS_223', 'CKV_AWS_224'],
    title: 'ECS Exec sessions are logged, encrypted with a customer managed key',
    subjects: ['aws_ecs_cluster'],
    check(cluster) {
      const exec = block(block(cluster.body.configuration)?.execute_command_configuration);
      const log = block(exec?.log_configuration);
      return exec &&
        isSet(exec.kms_key_id) &&
        textOf(exec.logging) === 'OVERRIDE' &&
        isTrue(log?.cloud_watch_encryption_enabled)
        ? []
        : ['ECS Exec logging is not overridden to an encrypted log group with a CMK'];
    },
  },
  {
    id: 'NAV_ECS_009',
    family: 'ECS',
    checkov: ['CKV_AWS_335'],
    title: 'Tasks share neither the host network nor the host process namespace',
    subjects: ['aws_ecs_task_definition'],
    check(task) {
      const problems = textOf(task.body.network_mode) === 'awsvpc' ? [] : ['network_mode is not awsvpc'];
      if (textOf(task.body.pid_mode) === 'host') problems.push('pid_mode is host');
      return problems;
    },
  },
  {
    id: 'NAV_ECS_010',
    family: 'ECS',
    checkov: ['CKV_AWS_45 (analogue: no secrets in plain environment)'],
    title: 'Secrets come from Secrets Manager or SSM, never from plain environment variables',
    subjects: ['aws_ecs_task_definition'],
    check: (task) =>
      containerDefinitions(task).flatMap((c) => {
        const environment = Array.isArray(c.environment) ? c.environment.filter(isObj) : [];
        return environment
          .filter((variable) => SECRET_NAME.test(textOf(variable.name)))
          .map((variable) => `container ${textOf(c.name)} sets ${textOf(variable.name)} in plain environment`);
      }),
  },
  {
    id: 'NAV_ECS_011',
    family: 'ECS',
    checkov: ['CKV_AWS_158 (analogue: container logs to encrypted CloudWatch)'],
    title: 'Every container ships its logs to CloudWatch Logs',
    subjects: ['aws_ecs_task_definition'],
    check: (task) =>
      containerDefinitions(task)
        .filter((c) => !isObj(c.logConfiguration) || c.logConfiguration.logDriver !== 'awslogs')
        .map((c) => `container ${textOf(c.name)} has no awslogs log configuration`),
  },
];

const TLS13 = /^ELBSecurityPolicy-TLS13-/;

export const albRules: Rule[] = [
  {
    id: 'NAV_ALB_001',
    family: 'ALB',
    checkov: ['CKV_AWS_91'],
    title: 'Access logs are enabled',
    subjects: ['aws_lb'],
    check: (lb) => {
      const logs = block(lb.body.access_logs);
      return logs && isTrue(logs.enabled) && isSet(logs.bucket) ? [] : ['access logs are not enabled'];
    },
  },
  {
    id: 'NAV_ALB_002',
    family: 'ALB',
    checkov: ['CKV_AWS_131'],
    title: 'Invalid header fields are dropped',
    subjects: ['aws_lb'],
    check: (lb) => (isTrue(lb.body.drop_invalid_header_fields) ? [] : ['drop_invalid_header_fields is not true']),
  },
  {
    id: 'NAV_ALB_003',
    family: 'ALB',
    checkov: ['CKV_AWS_150'],
    title: 'Deletion protection is on',
    subjects: ['aws_lb'],
    check: (lb) => (isTrue(lb.body.enable_deletion_protection) ? [] : ['enable_deletion_protection is not true']),
  },
  {
    id: 'NAV_ALB_004',
    family: 'ALB',
    checkov: ['CKV_AWS_2', 'CKV2_AWS_20'],
    title: 'Plain HTTP listeners only redirect to HTTPS',
    subjects: ['aws_lb_listener'],
    check(listener) {
      if (textOf(listener.body.protocol) !== 'HTTP') return [];
      const actions = blocks(listener.body.default_action);
      const redirects = actions.every(
        (a) => textOf(a.type) === 'redirect' && textOf(block(a.redirect)?.protocol) === 'HTTPS',
      );
      return actions.length > 0 && redirects ? [] : ['HTTP listener does not redirect to HTTPS'];
    },
  },
  {
    id: 'NAV_ALB_005',
    family: 'ALB',
    checkov: ['CKV_AWS_103', 'CKV2_AWS_74'],
    title: 'HTTPS listeners use a TLS 1.3 security policy',
    subjects: ['aws_lb_listener'],
    check(listener) {
      if (textOf(listener.body.protocol) !== 'HTTPS') return [];
      return TLS13.test(textOf(listener.body.ssl_policy))
        ? []
        : [`ssl_policy ${textOf(listener.body.ssl_policy)} is not TLS 1.3`];
    },
  },
  {
    id: 'NAV_ALB_006',
    family: 'ALB',
    checkov: ['CKV_AWS_328'],
    title: 'HTTP desync mitigation is defensive or strictest',
    subjects: ['aws_lb'],
    check: (lb) =>
      ['defensive', 'strictest'].includes(textOf(lb.body.desync_mitigation_mode))
        ? []
        : ['desync_mitigation_mode is too lax'],
  },
  {
    id: 'NAV_ALB_007',
    family: 'ALB',
    checkov: ['CKV2_AWS_28', 'CKV2_AWS_76'],
    title: 'Internet-facing load balancers sit behind a WAF web ACL with the Known Bad Inputs rules (Log4j)',
    subjects: ['aws_lb'],
    check(lb, model) {
      if (lb.body.internal === true) return [];
      const associations = attachedTo(lb, model);
      const acls = model
        .siblings(lb, 'aws_wafv2_web_acl')
        .filter((acl) =>
          associations.some((a) => referencesIn(a.body.web_acl_arn).includes(`aws_wafv2_web_acl.${acl.name}`)),
        );
      if (acls.length === 0) return ['no WAF web ACL associated'];
      const hasKnownBadInputs = acls.some((acl) =>
        blocks(acl.body.rule).some(
          (rule) =>
            textOf(block(block(rule.statement)?.managed_rule_group_statement)?.name) ===
            'AWSManagedRulesKnownBadInputsRuleSet',
        ),
      );
      return hasKnownBadInputs ? [] : ['web ACL lacks AWSManagedRulesKnownBadInputsRuleSet'];
    },
  },
  {
    id: 'NAV_ALB_008',
    family: 'ALB',
    checkov: ['CKV_AWS_261'],
    title: 'Target groups define an HTTP health check on a path',
    subjects: ['aws_lb_target_group'],
    check(group) {
      const check = block(group.body.health_check);
      return check && check.enabled !== false && isSet(check.path) ? [] : ['no health check path'];
    },
  },
  {
    id: 'NAV_ALB_009',
    family: 'ALB',
    checkov: ['CKV2_AWS_31', 'CKV_AWS_176'],
    title: 'WAF web ACLs log, with the Authorization header redacted',
    subjects: ['aws_wafv2_web_acl'],
    check(acl, model) {
      const logging = model
        .siblings(acl, 'aws_wafv2_web_acl_logging_configuration')
        .filter((l) => referencesIn(l.body.resource_arn).includes(`aws_wafv2_web_acl.${acl.name}`));
      if (logging.length === 0) return ['no logging configuration'];
      const redacted = logging.some((l) =>
        blocks(l.body.redacted_fields).some(
          (f) => textOf(block(f.single_header)?.name).toLowerCase() === 'authorization',
        ),
      );
      return redacted ? [] : ['the Authorization header is logged'];
    },
  },
];

function attachedTo(lb: Parameters<Rule['check']>[0], model: Parameters<Rule['check']>[1]) {
  return model
    .siblings(lb, 'aws_wafv2_web_acl_association')
    .filter((association) => referencesIn(association.body.resource_arn).includes(`aws_lb.${lb.name}`));
}
