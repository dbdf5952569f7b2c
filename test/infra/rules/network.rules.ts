import type { Resource } from '../support/hcl-model';
import { referencesIn } from '../support/hcl-values';
import { attachedTo, blocks, isFalse, isSet, num, strings, textOf, type Rule } from '../support/policy';

const OPEN = ['0.0.0.0/0', '::/0'];
const ADMIN_PORTS = [20, 21, 22, 3389];

const covers = (from: number | undefined, to: number | undefined, port: number): boolean =>
  from !== undefined && to !== undefined && from <= port && port <= to;

/** Ingress rules of an SG rule resource or of inline ingress blocks, normalised. */
function sgIngress(resource: Resource): Array<{ cidrs: string[]; protocol: string; from?: number; to?: number }> {
  if (resource.type === 'aws_vpc_security_group_ingress_rule') {
    return [
      {
        cidrs: strings(resource.body.cidr_ipv4).concat(strings(resource.body.cidr_ipv6)),
        protocol: textOf(resource.body.ip_protocol),
        from: num(resource.body.from_port),
        to: num(resource.body.to_port),
      },
    ];
  }
  return blocks(resource.body.ingress).map((rule) => ({
    cidrs: strings(rule.cidr_blocks).concat(strings(rule.ipv6_cidr_blocks)),
    protocol: textOf(rule.protocol),
    from: num(rule.from_port),
    to: num(rule.to_port),
  }));
}

export const networkRules: Rule[] = [
  {
    id: 'NAV_NET_001',
    family: 'Network',
    checkov: ['CKV_AWS_23'],
    title: 'Every security group and security group rule has a description',
    subjects: ['aws_security_group', 'aws_vpc_security_group_ingress_rule', 'aws_vpc_security_group_egress_rule'],
    check(resource) {
      const problems = isSet(resource.body.description) ? [] : ['no description'];
      for (const rule of [...blocks(resource.body.ingress), ...blocks(resource.body.egress)]) {
        if (!isSet(rule.description)) problems.push('inline rule without description');
      }
      return problems;
    },
  },
  {
    id: 'NAV_NET_002',
    family: 'Network',
    checkov: ['CKV_AWS_24', 'CKV_AWS_25', 'CKV_AWS_260', 'CKV_AWS_277'],
    title: "Nothing is open to the internet but the load balancer's 443 and 80",
    subjects: ['aws_security_group', 'aws_vpc_security_group_ingress_rule'],
    check(resource) {
      const onAlb =
        (resource.type === 'aws_security_group' && resource.name === 'alb') ||
        referencesIn(resource.body.security_group_id).includes('aws_security_group.alb');
      return sgIngress(resource)
        .filter((rule) => rule.cidrs.some((cidr) => OPEN.includes(cidr)))
        .filter(
          (rule) => !(onAlb && rule.protocol === 'tcp' && rule.from === rule.to && [80, 443].includes(rule.from ?? -1)),
        )
        .map((rule) => `ingress ${rule.protocol} ${rule.from ?? '*'}-${rule.to ?? '*'} open to the internet`);
    },
  },
  {
    id: 'NAV_NET_003',
    family: 'Network',
    checkov: ['CKV_AWS_382'],
    title: 'No egress to the internet on every port',
    subjects: ['aws_security_group', 'aws_vpc_security_group_egress_rule'],
    check(resource) {
      const rules =
        resource.type === 'aws_vpc_security_group_egress_rule'
          ? [
              {
                cidrs: strings(resource.body.cidr_ipv4),
                protocol: textOf(resource.body.ip_protocol),
                from: num(resource.body.from_port),
                to: num(resource.body.to_port),
              },
            ]
          : blocks(resource.body.egress).map((r) => ({
              cidrs: strings(r.cidr_blocks),
              protocol: textOf(r.protocol),
              from: num(r.from_port),
              to: num(r.to_port),
            }));
      return rules
        .filter((r) => r.cidrs.some((c) => OPEN.includes(c)))
        .filter((r) => r.protocol === '-1' || r.protocol === 'all' || (r.from === 0 && (r.to === 0 || r.to === 65535)))
        .map(() => 'egress to the internet on every port');
    },
  },
  {
    id: 'NAV_NET_004',
    family: 'Network',
    checkov: ['CKV2_AWS_12'],
    title: 'The default security group of every VPC is stripped of all rules',
    subjects: ['aws_vpc'],
    check(vpc, model) {
      const defaults = attachedTo(model, vpc, 'aws_default_security_group', 'vpc_id');
      if (defaults.length === 0) return ['default security group not managed'];
      return defaults.some((sg) => blocks(sg.body.ingress).length > 0 || blocks(sg.body.egress).length > 0)
        ? ['default security group keeps rules']
        : [];
    },
  },
  {
    id: 'NAV_NET_005',
    family: 'Network',
    checkov: ['CKV2_AWS_11'],
    title: 'Every VPC has flow logs of all traffic',
    subjects: ['aws_vpc'],
    check: (vpc, model) =>
      attachedTo(model, vpc, 'aws_flow_log', 'vpc_id').some((log) => textOf(log.body.traffic_type) === 'ALL')
        ? []
        : ['no flow log of ALL traffic'],
  },
  {
    id: 'NAV_NET_006',
    family: 'Network',
    checkov: ['CKV_AWS_130'],
    title: 'Subnets never assign public IPs on launch',
    subjects: ['aws_subnet'],
    check: (subnet) => (isFalse(subnet.body.map_public_ip_on_launch) ? [] : ['map_public_ip_on_launch is not false']),
  },
  {
    id: 'NAV_NET_007',
    family: 'Network',
    checkov: ['CKV_AWS_229', 'CKV_AWS_230', 'CKV_AWS_231', 'CKV_AWS_232', 'CKV_AWS_352'],
    title: 'NACLs admit neither administration ports nor every port from the internet',
    subjects: ['aws_network_acl', 'aws_network_acl_rule'],
    check(acl) {
      const ingress =
        acl.type === 'aws_network_acl_rule'
          ? isFalse(acl.body.egress) || acl.body.egress === undefined
            ? [acl.body]
            : []
          : blocks(acl.body.ingress);
      return ingress
        .filter((rule) => textOf(rule.action ?? rule.rule_action) === 'allow')
        .filter((rule) => OPEN.includes(textOf(rule.cidr_block)))
        .flatMap((rule) => {
          const protocol = textOf(rule.protocol);
          const from = num(rule.from_port);
          const to = num(rule.to_port);
          if (protocol === '-1' || protocol === 'all' || (from === 0 && to === 65535))
            return ['all ports open to the internet'];
          return ADMIN_PORTS.filter((port) => covers(from, to, port)).map(
            (port) => `port ${port} open to the internet`,
          );
        });
    },
  },
  {
    id: 'NAV_NET_008',
    family: 'Network',
    checkov: ['CKV2_AWS_1'],
    title: 'Every subnet sits behind a dedicated NACL; the default NACL has no rules',
    subjects: ['aws_subnet'],
    check(subnet, model) {
      const address = `aws_subnet.${subnet.name}`;
      const acls = model
        .siblings(subnet, 'aws_network_acl')
        .filter((acl) => referencesIn(acl.body.subnet_ids).includes(address));
      const problems = acls.length === 1 ? [] : [`${acls.length} NACLs name this subnet`];
      for (const defaultAcl of model.siblings(subnet, 'aws_default_network_acl')) {
        if (blocks(defaultAcl.body.ingress).length > 0 || blocks(defaultAcl.body.egress).length > 0) {
          problems.push('the default NACL keeps rules');
        }
      }
      return problems;
    },
  },
];
