data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id    = data.aws_caller_identity.current.account_id
  partition     = data.aws_partition.current.partition
  function_name = "CodeDeployHook_${var.name}-after-allow-test-traffic"
}

# The hook imports ../smoke.mjs and ../entra-token.mjs: the zip keeps infra/deploy's layout.
data "archive_file" "hook" {
  type        = "zip"
  output_path = "${path.root}/.terraform/build/${local.function_name}.zip"

  source {
    filename = "hooks/after-allow-test-traffic.mjs"
    content  = file("${var.deploy_dir}/hooks/after-allow-test-traffic.mjs")
  }

  source {
    filename = "smoke.mjs"
    content  = file("${var.deploy_dir}/smoke.mjs")
  }

  source {
    filename = "entra-token.mjs"
    content  = file("${var.deploy_dir}/entra-token.mjs")
  }
}

resource "aws_secretsmanager_secret" "smoke_client" {
  name                    = "navius/${var.environment}/smoke-client"
  description             = "Entra smoke-test client {tenantId, clientId, clientSecret, scope} for the deployment checks"
  kms_key_id              = var.secret_kms_key_arn
  recovery_window_in_days = 7

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "smoke_client" {
  secret_id = aws_secretsmanager_secret.smoke_client.id
  secret_string = jsonencode({
    tenantId     = var.smoke_client.tenant_id
    clientId     = var.smoke_client.client_id
    clientSecret = var.smoke_client.client_secret
    scope        = var.smoke_client.scope
  })
}

resource "aws_cloudwatch_log_group" "hook" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn

  tags = var.tags
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "hook" {
  name               = "${var.name}-deploy-hook"
  assume_role_policy = data.aws_iam_policy_document.trust.json

  tags = var.tags
}

data "aws_iam_policy_document" "hook" {
  statement {
    sid       = "ReportHookStatus"
    actions   = ["codedeploy:PutLifecycleEventHookExecutionStatus"]
    resources = [var.codedeploy_deployment_group_arn]
  }

  statement {
    sid       = "SmokeClientSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.smoke_client.arn]
  }

  statement {
    sid       = "DecryptSmokeClientSecret"
    actions   = ["kms:Decrypt"]
    resources = [var.secret_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${data.aws_region.current.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.hook.arn}:*"]
  }

  # X-Ray trace submission has no resource-level permissions.
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "hook" {
  name   = "after-allow-test-traffic"
  role   = aws_iam_role.hook.id
  policy = data.aws_iam_policy_document.hook.json
}

# Network interfaces in the VPC (AWS-managed; the ENI actions have no resource-level scoping by subnet).
resource "aws_iam_role_policy_attachment" "vpc" {
  role       = aws_iam_role.hook.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

resource "aws_lambda_function" "hook" {
  function_name                  = local.function_name
  description                    = "AfterAllowTestTraffic: smoke test of the replacement task set (infra/deploy/hooks)"
  role                           = aws_iam_role.hook.arn
  runtime                        = "nodejs24.x"
  handler                        = "hooks/after-allow-test-traffic.handler"
  filename                       = data.archive_file.hook.output_path
  source_code_hash               = data.archive_file.hook.output_base64sha256
  timeout                        = 300
  memory_size                    = 256
  reserved_concurrent_executions = 5

  environment {
    variables = {
      TEST_LISTENER_URL      = var.test_listener_url
      SMOKE_CLIENT_SECRET_ID = aws_secretsmanager_secret.smoke_client.arn
    }
  }

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = [var.security_group_id]
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.hook.name
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.hook, aws_iam_role_policy_attachment.vpc]
}
