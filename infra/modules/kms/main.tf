data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  root_arn   = "arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root"

  # One key a purpose, so a grant on one never opens another; services that call KMS themselves are listed.
  keys = {
    s3 = {
      description        = "Documents and their replicas (SSE-KMS with bucket keys)"
      service_principals = []
      logs_principals    = []
    }
    rds = {
      description        = "RDS PostgreSQL storage, snapshots and the managed master secret"
      service_principals = []
      logs_principals    = []
    }
    performance_insights = {
      description        = "RDS Performance Insights data"
      service_principals = []
      logs_principals    = []
    }
    elasticache = {
      description        = "ElastiCache at-rest data and the Redis connection secret"
      service_principals = []
      logs_principals    = []
    }
    logs = {
      description        = "CloudWatch log groups"
      service_principals = []
      logs_principals    = ["logs.${local.region}.amazonaws.com"]
    }
    notifications = {
      description        = "SNS alarm topic and SQS document-event queues"
      service_principals = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com", "s3.amazonaws.com"]
      logs_principals    = []
    }
    backup = {
      description        = "AWS Backup vaults"
      service_principals = []
      logs_principals    = []
    }
    ecr = {
      description        = "ECR container images"
      service_principals = []
      logs_principals    = []
    }
    secrets = {
      description        = "Secrets Manager secrets of the deployment (the smoke-test client)"
      service_principals = []
      logs_principals    = []
    }
  }
}

data "aws_iam_policy_document" "key" {
  for_each = local.keys

  statement {
    sid = "KeyAdministration"
    actions = [
      "kms:CancelKeyDeletion",
      "kms:Create*",
      "kms:Delete*",
      "kms:Describe*",
      "kms:Disable*",
      "kms:Enable*",
      "kms:Get*",
      "kms:List*",
      "kms:Put*",
      "kms:Revoke*",
      "kms:RotateKeyOnDemand",
      "kms:ScheduleKeyDeletion",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:Update*",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }
  }

  # Lets IAM policies in this account grant use of the key; each role's policy names the key it needs.
  statement {
    sid = "DelegateUseToIam"
    actions = [
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey*",
      "kms:ReEncrypt*",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }
  }

  # RDS, ElastiCache, AWS Backup and ECR use grants for the resources they encrypt.
  statement {
    sid       = "AllowGrantsForAwsResources"
    actions   = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.root_arn]
    }

    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }

  dynamic "statement" {
    for_each = each.value.service_principals

    content {
      sid       = "ServicePrincipal${statement.key}"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = [statement.value]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.logs_principals

    content {
      sid = "CloudWatchLogs"
      actions = [
        "kms:Decrypt*",
        "kms:Describe*",
        "kms:Encrypt*",
        "kms:GenerateDataKey*",
        "kms:ReEncrypt*",
      ]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = [statement.value]
      }

      condition {
        test     = "ArnLike"
        variable = "kms:EncryptionContext:aws:logs:arn"
        values   = ["arn:${data.aws_partition.current.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
      }
    }
  }
}

resource "aws_kms_key" "this" {
  for_each = local.keys

  description             = "${var.name}: ${each.value.description}"
  key_usage               = "ENCRYPT_DECRYPT"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = var.deletion_window_in_days
  is_enabled              = true
  multi_region            = false
  policy                  = data.aws_iam_policy_document.key[each.key].json

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

resource "aws_kms_alias" "this" {
  for_each = local.keys

  name          = "alias/${var.name}-${replace(each.key, "_", "-")}"
  target_key_id = aws_kms_key.this[each.key].key_id
}
