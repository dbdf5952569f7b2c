import { describe, expect, it } from 'vitest';
import { BAD } from './fixtures/index';
import { RULES } from './rules';
import { buildModel, moduleFromSource } from './support/hcl-model';
import { runRules, type Family, type Finding } from './support/policy';

async function findingsOf(root: string, module: string, hcl: string): Promise<Finding[]> {
  const def = await moduleFromSource(module, { 'main.tf': hcl });
  return runRules(await buildModel([{ name: root, def, tfvars: {} }]), RULES);
}

const firing = (findings: Finding[], rule: string): string[] =>
  findings.filter((finding) => finding.rule === rule).map((finding) => finding.address);

describe('every rule can fail', () => {
  const families = Object.keys(BAD) as Family[];

  it('each rule belongs to a family that has a bad snippet', () => {
    expect(RULES.filter((rule) => !families.includes(rule.family)).map((rule) => rule.id)).toEqual([]);
  });

  for (const family of families) {
    it(`fires every ${family} rule on the ${family} bad snippet`, async () => {
      const { root, module, hcl } = BAD[family];
      const findings = await findingsOf(root, module, hcl);
      const silent = RULES.filter((rule) => rule.family === family && firing(findings, rule.id).length === 0);
      expect(silent.map((rule) => rule.id)).toEqual([]);
    });
  }
});

describe('rules stay precise', () => {
  it("allows 443 and 80 from the internet on the load balancer's group only", async () => {
    const findings = await findingsOf(
      'fixture',
      'fixtures/sg',
      `
resource "aws_security_group" "alb" {
  name        = "alb"
  description = "load balancer"
}

resource "aws_security_group" "app" {
  name        = "app"
  description = "tasks"
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  description       = "https"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "app_https" {
  security_group_id = aws_security_group.app.id
  description       = "https straight to the tasks"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
`,
    );
    expect(firing(findings, 'NAV_NET_002')).toEqual(['fixture:aws_vpc_security_group_ingress_rule.app_https']);
  });

  it('accepts a GitLab trust pinned to one project, a protected branch and a protected tag pattern', async () => {
    const trust = (sub: string): string => `
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/gitlab.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "gitlab.com:aud"
      values   = ["https://gitlab.com"]
    }
    condition {
      test     = "StringLike"
      variable = "gitlab.com:sub"
      values   = ["project_path:navius/navius-aws:ref_type:branch:ref:main", "${sub}"]
    }
  }
}
`;
    expect(
      firing(
        await findingsOf('fixture', 'fixtures/oidc', trust('project_path:navius/navius-aws:ref_type:tag:ref:v*')),
        'NAV_IAM_005',
      ),
    ).toEqual([]);
    expect(
      firing(
        await findingsOf('fixture', 'fixtures/oidc', trust('project_path:navius/navius-aws:ref_type:branch:ref:*')),
        'NAV_IAM_005',
      ),
    ).toHaveLength(1);
    expect(
      firing(
        await findingsOf('fixture', 'fixtures/oidc', trust('project_path:navius/*:ref_type:tag:ref:v1')),
        'NAV_IAM_005',
      ),
    ).toHaveLength(1);
  });

  it('accepts "*" resources for actions without resource-level permissions only', async () => {
    const policy = (action: string): string => `
resource "aws_iam_role_policy" "this" {
  role   = "r"
  policy = data.aws_iam_policy_document.this.json
}

data "aws_iam_policy_document" "this" {
  statement {
    actions   = ["${action}"]
    resources = ["*"]
  }
}
`;
    expect(firing(await findingsOf('fixture', 'fixtures/iam', policy('xray:PutTraceSegments')), 'NAV_IAM_002')).toEqual(
      [],
    );
    expect(firing(await findingsOf('fixture', 'fixtures/iam', policy('s3:GetObject')), 'NAV_IAM_002')).toHaveLength(1);
  });

  it('requires replication of production buckets only', async () => {
    const bucket = 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n';
    expect(firing(await findingsOf('dev', 'fixtures/s3', bucket), 'NAV_S3_012')).toEqual([]);
    expect(firing(await findingsOf('prod', 'fixtures/s3', bucket), 'NAV_S3_012')).toHaveLength(1);
  });
});
