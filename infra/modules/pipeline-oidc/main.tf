data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id   = data.aws_caller_identity.current.account_id
  region       = data.aws_region.current.region
  partition    = data.aws_partition.current.partition
  issuer_url   = "https://${var.gitlab_host}"
  provider_arn = var.create_provider ? aws_iam_openid_connect_provider.gitlab[0].arn : data.aws_iam_openid_connect_provider.gitlab[0].arn
  codedeploy   = "arn:${local.partition}:codedeploy:${local.region}:${local.account_id}"
}

resource "aws_iam_openid_connect_provider" "gitlab" {
  count = var.create_provider ? 1 : 0

  url            = local.issuer_url
  client_id_list = [var.audience]

  tags = var.tags
}

data "aws_iam_openid_connect_provider" "gitlab" {
  count = var.create_provider ? 0 : 1

  url = local.issuer_url
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.gitlab_host}:aud"
      values   = [var.audience]
    }

    # GitLab's sub is project_path:<group>/<project>:ref_type:<branch|tag>:ref:<name>; only protected refs are listed.
    condition {
      test     = "StringLike"
      variable = "${var.gitlab_host}:sub"
      values   = var.subjects
    }
  }
}

resource "aws_iam_role" "deploy" {
  name                 = "${var.name}-gitlab-deploy"
  description          = "GitLab CI of ${var.project_path} on protected refs: registers task definitions and deploys with CodeDeploy"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration

  tags = var.tags
}

data "aws_iam_policy_document" "deploy" {
  # RegisterTaskDefinition and DescribeTaskDefinition have no resource-level permissions.
  statement {
    sid       = "TaskDefinitions"
    actions   = ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"]
    resources = ["*"]
  }

  statement {
    sid       = "TagNewTaskDefinitions"
    actions   = ["ecs:TagResource"]
    resources = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:task-definition/${var.task_family}:*"]

    condition {
      test     = "StringEquals"
      variable = "ecs:CreateAction"
      values   = ["RegisterTaskDefinition"]
    }
  }

  statement {
    sid       = "ReadService"
    actions   = ["ecs:DescribeServices"]
    resources = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:service/${var.ecs_cluster_name}/${var.ecs_service_name}"]
  }

  statement {
    sid       = "PassTaskRoles"
    actions   = ["iam:PassRole"]
    resources = var.pass_role_arns

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid = "Deploy"
    actions = [
      "codedeploy:CreateDeployment",
      "codedeploy:GetDeployment",
      "codedeploy:GetDeploymentGroup",
      "codedeploy:ListDeployments",
      "codedeploy:StopDeployment",
    ]
    resources = ["${local.codedeploy}:deploymentgroup:${var.codedeploy_application_name}/${var.codedeploy_deployment_group_name}"]
  }

  statement {
    sid       = "DeploymentConfig"
    actions   = ["codedeploy:GetDeploymentConfig"]
    resources = ["${local.codedeploy}:deploymentconfig:${var.codedeploy_deployment_config_name}"]
  }

  statement {
    sid       = "Revisions"
    actions   = ["codedeploy:GetApplicationRevision", "codedeploy:RegisterApplicationRevision"]
    resources = ["${local.codedeploy}:application:${var.codedeploy_application_name}"]
  }
}

resource "aws_iam_role_policy" "deploy" {
  name   = "deploy"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.deploy.json
}

resource "aws_iam_role" "verify" {
  name                 = "${var.name}-gitlab-verify"
  description          = "GitLab CI of ${var.project_path} on protected refs: reads the smoke client for post-deployment checks"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration

  tags = var.tags
}

data "aws_iam_policy_document" "verify" {
  statement {
    sid       = "SmokeClientSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.smoke_client_secret_arn]
  }

  statement {
    sid       = "DecryptSmokeClientSecret"
    actions   = ["kms:Decrypt"]
    resources = [var.smoke_client_secret_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "verify" {
  name   = "verify"
  role   = aws_iam_role.verify.id
  policy = data.aws_iam_policy_document.verify.json
}

resource "aws_iam_role" "publish" {
  count = var.publish_repository_arn == null ? 0 : 1

  name                 = "${var.name}-gitlab-publish"
  description          = "GitLab CI of ${var.project_path} on protected refs: pushes release images"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration

  tags = var.tags
}

data "aws_iam_policy_document" "publish" {
  count = var.publish_repository_arn == null ? 0 : 1

  # GetAuthorizationToken has no resource-level permissions.
  statement {
    sid       = "RegistryLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PushImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImageScanFindings",
      "ecr:DescribeImages",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = [var.publish_repository_arn]
  }
}

resource "aws_iam_role_policy" "publish" {
  count = var.publish_repository_arn == null ? 0 : 1

  name   = "publish"
  role   = aws_iam_role.publish[0].id
  policy = data.aws_iam_policy_document.publish[0].json
}
