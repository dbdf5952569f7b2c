data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = var.trusted_principal_arns
    }

    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.external_id]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = "${var.name}-operations-read"
  description          = "Read-only operations access for another account, with an external id"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration

  tags = var.tags
}

data "aws_iam_policy_document" "read" {
  statement {
    sid       = "ReadServiceLogs"
    actions   = ["logs:FilterLogEvents", "logs:GetLogEvents", "logs:StartQuery"]
    resources = flatten([for arn in var.log_group_arns : [arn, "${arn}:*"]])
  }

  # Metric reads and query results have no resource-level permissions.
  statement {
    sid       = "ReadMetrics"
    actions   = ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics", "logs:GetQueryResults"]
    resources = ["*"]
  }

  statement {
    sid       = "ReadAlarms"
    actions   = ["cloudwatch:DescribeAlarms"]
    resources = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:*"]
  }

  statement {
    sid     = "DescribeService"
    actions = ["ecs:DescribeServices", "ecs:DescribeTasks"]
    resources = [
      "arn:${local.partition}:ecs:${local.region}:${local.account_id}:service/${var.ecs_cluster_name}/*",
      "arn:${local.partition}:ecs:${local.region}:${local.account_id}:task/${var.ecs_cluster_name}/*",
    ]
  }
}

resource "aws_iam_role_policy" "read" {
  name   = "operations-read"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.read.json
}
