data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id     = data.aws_caller_identity.current.account_id
  region         = data.aws_region.current.region
  partition      = data.aws_partition.current.partition
  app_container  = "navius"
  otel_container = "otel-collector"
  log_prefix     = "/navius/${var.environment}"

  # Names from src/config/config.schema.ts and ARCHITECTURE.md; REDIS_URL carries the AUTH token and comes from Secrets Manager.
  # With the bucket's event queue, uploads become available from S3's ObjectCreated events even without a complete call.
  # Traces are sampled by the observability module's X-Ray rules (health never, writes and reads at their rates), read
  # through the collector sidecar's awsproxy: rates change in X-Ray without a deployment.
  app_environment = concat([
    { name = "APP_PROFILE", value = "aws" },
    { name = "PORT", value = tostring(var.container_port) },
    { name = "LOG_LEVEL", value = var.log_level },
    { name = "AWS_REGION", value = local.region },
    { name = "DATABASE_HOST", value = var.database.host },
    { name = "DATABASE_PORT", value = tostring(var.database.port) },
    { name = "DATABASE_NAME", value = var.database.name },
    { name = "DATABASE_USER", value = var.database.user },
    { name = "DATABASE_IAM_AUTH", value = "true" },
    { name = "S3_BUCKET", value = var.documents.bucket_name },
    { name = "S3_KMS_KEY_ID", value = var.documents.kms_key_arn },
    { name = "ENTRA_TENANT_ID", value = var.entra.tenant_id },
    { name = "ENTRA_CLIENT_ID", value = var.entra.client_id },
    { name = "SHUTDOWN_TIMEOUT_MS", value = tostring(var.shutdown_timeout_ms) },
    { name = "SHUTDOWN_DRAIN_DELAY_MS", value = tostring(var.shutdown_drain_delay_ms) },
    { name = "OTEL_SERVICE_NAME", value = "navius" },
    { name = "OTEL_EXPORTER_OTLP_ENDPOINT", value = "http://127.0.0.1:4318" },
    { name = "OTEL_EXPORTER_OTLP_PROTOCOL", value = "http/protobuf" },
    { name = "OTEL_TRACES_SAMPLER", value = "xray" },
    { name = "XRAY_SAMPLING_ENDPOINT", value = "http://127.0.0.1:2000" },
    { name = "METRICS_EXPORTER", value = "otlp" },
    ], var.documents.events_queue_url == null ? [] : [
    { name = "S3_EVENTS_QUEUE_URL", value = var.documents.events_queue_url },
    ], var.node_options == null ? [] : [
    { name = "NODE_OPTIONS", value = var.node_options },
  ])

  container_definitions = [
    {
      name                   = local.app_container
      image                  = var.image
      essential              = true
      user                   = var.container_user
      readonlyRootFilesystem = true
      privileged             = false
      stopTimeout            = var.stop_timeout_seconds
      environment            = local.app_environment
      secrets                = [{ name = "REDIS_URL", valueFrom = var.redis_url_secret_arn }]
      portMappings = [
        { name = "http", containerPort = var.container_port, hostPort = var.container_port, protocol = "tcp", appProtocol = "http" },
      ]
      mountPoints = [{ sourceVolume = "app-tmp", containerPath = "/tmp", readOnly = false }]
      linuxParameters = {
        capabilities = { add = [], drop = ["ALL"] }
      }
      ulimits = [{ name = "nofile", softLimit = 65536, hardLimit = 65536 }]
      # Liveness only (docker/healthcheck.mjs): readiness is the load balancer's business.
      healthCheck = {
        command     = ["CMD", "node", "healthcheck.mjs"]
        interval    = 15
        timeout     = 3
        retries     = 3
        startPeriod = 20
      }
      dependsOn = [{ containerName = local.otel_container, condition = "START" }]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.app.name
          awslogs-region        = local.region
          awslogs-stream-prefix = local.app_container
          mode                  = "non-blocking"
          max-buffer-size       = "25m"
        }
      }
    },
    {
      name                   = local.otel_container
      image                  = var.adot_image
      essential              = true
      user                   = "10001:10001"
      readonlyRootFilesystem = true
      privileged             = false
      environment = [
        { name = "AWS_REGION", value = local.region },
        { name = "NAVIUS_ENVIRONMENT", value = var.environment },
      ]
      secrets     = [{ name = "AOT_CONFIG_CONTENT", valueFrom = aws_ssm_parameter.otel_config.arn }]
      mountPoints = [{ sourceVolume = "otel-tmp", containerPath = "/tmp", readOnly = false }]
      linuxParameters = {
        capabilities = { add = [], drop = ["ALL"] }
      }
      # The ADOT image's probe of the health_check extension that docker/otel-collector.yaml enables.
      healthCheck = {
        command     = ["CMD", "/healthcheck"]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 10
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.otel.name
          awslogs-region        = local.region
          awslogs-stream-prefix = local.otel_container
        }
      }
    },
  ]
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "${local.log_prefix}/app"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn

  tags = var.tags
}

resource "aws_cloudwatch_log_group" "otel" {
  name              = "${local.log_prefix}/otel-collector"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn

  tags = var.tags
}

# The collector's awsemf exporter writes here (log_group_name in docker/otel-collector.yaml); CloudWatch extracts the metrics.
resource "aws_cloudwatch_log_group" "metrics" {
  name              = "${local.log_prefix}/metrics"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn

  tags = var.tags
}

resource "aws_cloudwatch_log_group" "exec" {
  name              = "${local.log_prefix}/ecs-exec"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn

  tags = var.tags
}

resource "aws_ssm_parameter" "otel_config" {
  name        = "/${var.name}/otel-collector/config"
  description = "ADOT collector configuration (docker/otel-collector.yaml), read as AOT_CONFIG_CONTENT"
  type        = "String"
  tier        = "Intelligent-Tiering"
  value       = var.otel_collector_config

  tags = var.tags
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enhanced"
  }

  configuration {
    execute_command_configuration {
      kms_key_id = var.logs_kms_key_arn
      logging    = "OVERRIDE"

      log_configuration {
        cloud_watch_encryption_enabled = true
        cloud_watch_log_group_name     = aws_cloudwatch_log_group.exec.name
      }
    }
  }

  tags = var.tags
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    base              = 1
    weight            = 1
  }
}

data "aws_iam_policy_document" "tasks_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:*"]
    }
  }
}

data "aws_iam_policy_document" "execution" {
  # GetAuthorizationToken has no resource-level permissions.
  statement {
    sid       = "RegistryLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullApplicationImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [var.ecr_repository_arn]
  }

  statement {
    sid       = "ContainerLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.app.arn}:*", "${aws_cloudwatch_log_group.otel.arn}:*"]
  }

  statement {
    sid       = "RedisUrlSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.redis_url_secret_arn]
  }

  statement {
    sid       = "DecryptRedisUrlSecret"
    actions   = ["kms:Decrypt"]
    resources = [var.redis_secret_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "CollectorConfig"
    actions   = ["ssm:GetParameters"]
    resources = [aws_ssm_parameter.otel_config.arn]
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-ecs-execution"
  assume_role_policy = data.aws_iam_policy_document.tasks_trust.json

  tags = var.tags
}

resource "aws_iam_role_policy" "execution" {
  name   = "start-tasks"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "DatabaseIamAuth"
    actions   = ["rds-db:connect"]
    resources = ["arn:${local.partition}:rds-db:${local.region}:${local.account_id}:dbuser:${var.database.resource_id}/${var.database.user}"]
  }

  statement {
    sid = "DocumentObjects"
    actions = [
      "s3:AbortMultipartUpload",
      "s3:DeleteObject",
      "s3:GetObject",
      "s3:GetObjectVersion",
      "s3:ListMultipartUploadParts",
      "s3:PutObject",
    ]
    resources = ["${var.documents.bucket_arn}/${var.documents.key_pattern}"]
  }

  # Without ListBucket a missing object answers 403 instead of 404; listings stay inside tenants/.
  statement {
    sid       = "DocumentListing"
    actions   = ["s3:ListBucket"]
    resources = [var.documents.bucket_arn]

    condition {
      test     = "StringLikeIfExists"
      variable = "s3:prefix"
      values   = ["tenants/*"]
    }
  }

  dynamic "statement" {
    for_each = var.documents.access_point_arn == null ? [] : [var.documents.access_point_arn]

    content {
      sid = "DocumentObjectsThroughAccessPoint"
      actions = [
        "s3:AbortMultipartUpload",
        "s3:DeleteObject",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:ListMultipartUploadParts",
        "s3:PutObject",
      ]
      resources = ["${statement.value}/object/${var.documents.key_pattern}"]
    }
  }

  statement {
    sid       = "DocumentEncryption"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.documents.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }

  # The consumer of the bucket's object events: receive, delete when applied, extend while applying; nothing else.
  dynamic "statement" {
    for_each = var.documents.events_queue_arn == null ? [] : [var.documents.events_queue_arn]

    content {
      sid       = "DocumentEvents"
      actions   = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.documents.events_kms_key_arn == null ? [] : [var.documents.events_kms_key_arn]

    content {
      sid       = "DocumentEventsEncryption"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["sqs.${local.region}.amazonaws.com"]
      }
    }
  }

  # X-Ray trace and sampling APIs have no resource-level permissions.
  statement {
    sid = "Tracing"
    actions = [
      "xray:GetSamplingRules",
      "xray:GetSamplingStatisticSummaries",
      "xray:GetSamplingTargets",
      "xray:PutTelemetryRecords",
      "xray:PutTraceSegments",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "EmbeddedMetrics"
    actions   = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    resources = [aws_cloudwatch_log_group.metrics.arn, "${aws_cloudwatch_log_group.metrics.arn}:*"]
  }
}

resource "aws_iam_role" "task" {
  name               = "${var.name}-ecs-task"
  assume_role_policy = data.aws_iam_policy_document.tasks_trust.json

  tags = var.tags
}

resource "aws_iam_role_policy" "task" {
  name   = "application"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = jsonencode(local.container_definitions)

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # Fargate task storage for the only writable paths of the read-only root file systems.
  volume {
    name = "app-tmp"
  }

  volume {
    name = "otel-tmp"
  }

  tags = var.tags
}

resource "aws_ecs_service" "this" {
  name                              = var.name
  cluster                           = aws_ecs_cluster.this.arn
  task_definition                   = aws_ecs_task_definition.this.arn
  desired_count                     = var.desired_count
  launch_type                       = "FARGATE"
  platform_version                  = "LATEST"
  health_check_grace_period_seconds = 60
  enable_execute_command            = false
  enable_ecs_managed_tags           = true
  propagate_tags                    = "SERVICE"

  deployment_controller {
    type = "CODE_DEPLOY"
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [var.security_group_id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = var.target_group_arn
    container_name   = local.app_container
    container_port   = var.container_port
  }

  tags = var.tags

  # CodeDeploy registers new task definitions and swaps target groups; autoscaling owns the count.
  lifecycle {
    ignore_changes = [task_definition, load_balancer, desired_count]
  }
}

resource "aws_appautoscaling_target" "this" {
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this.name}"
  min_capacity       = var.min_capacity
  max_capacity       = var.max_capacity
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${var.name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension
  resource_id        = aws_appautoscaling_target.this.resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = 60
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "memory" {
  name               = "${var.name}-memory"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension
  resource_id        = aws_appautoscaling_target.this.resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = 70
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageMemoryUtilization"
    }
  }
}
