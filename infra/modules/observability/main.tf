data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
  # Namespace and metric names of src/observability/metrics.catalog.ts; test/infra checks every reference.
  namespace = "Navius"

  # Every node the replication group can have (<group>-<shard>-<node>), so nodes added by autoscaling are watched too.
  cache_node_ids = flatten([
    for shard in range(1, var.cache_shards + 1) : [
      for node in range(1, var.cache_max_replicas + 2) : format("%s-%04d-%03d", var.cache_replication_group_id, shard, node)
    ]
  ])
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.notifications_kms_key_arn

  tags = var.tags
}

data "aws_iam_policy_document" "alarms_topic" {
  statement {
    sid       = "CloudWatchAlarms"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name}-*"]
    }
  }

  statement {
    sid       = "CostBudgets"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["budgets.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

# 5xx answers as a share of all answers, from the [status_class] dimension set of http.server.requests.
resource "aws_cloudwatch_metric_alarm" "http_5xx_rate" {
  alarm_name          = "${var.name}-http-5xx-rate"
  alarm_description   = "More than ${var.error_rate_threshold_percent}% of answers are 5xx."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.error_rate_threshold_percent
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "s2"
    return_data = false

    metric {
      namespace   = local.namespace
      metric_name = "http.server.requests"
      dimensions  = { status_class = "2xx" }
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id          = "s3"
    return_data = false

    metric {
      namespace   = local.namespace
      metric_name = "http.server.requests"
      dimensions  = { status_class = "3xx" }
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id          = "s4"
    return_data = false

    metric {
      namespace   = local.namespace
      metric_name = "http.server.requests"
      dimensions  = { status_class = "4xx" }
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id          = "s5"
    return_data = false

    metric {
      namespace   = local.namespace
      metric_name = "http.server.requests"
      dimensions  = { status_class = "5xx" }
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id          = "total"
    expression  = "FILL(s2, 0) + FILL(s3, 0) + FILL(s4, 0) + FILL(s5, 0)"
    label       = "Answers"
    return_data = false
  }

  metric_query {
    id          = "rate"
    expression  = "IF(total >= ${var.error_rate_min_requests}, 100 * FILL(s5, 0) / total, 0)"
    label       = "5xx rate (%)"
    return_data = true
  }

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "http_latency_p99" {
  alarm_name          = "${var.name}-http-latency-p99"
  alarm_description   = "p99 latency of successful requests above ${var.latency_p99_threshold_ms} ms."
  namespace           = local.namespace
  metric_name         = "http.server.duration"
  dimensions          = { status_class = "2xx" }
  extended_statistic  = "p99"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.latency_p99_threshold_ms
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  tags = var.tags
}

# Answers the load balancer gives itself (no healthy target, timeouts) never reach the service's own metrics.
resource "aws_cloudwatch_metric_alarm" "alb_5xx" {
  alarm_name          = "${var.name}-alb-5xx"
  alarm_description   = "The load balancer itself answers 5xx (no healthy target, target timeouts)."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_ELB_5XX_Count"
  dimensions          = { LoadBalancer = var.alb_arn_suffix }
  statistic           = "Sum"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = 10
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "db_cpu" {
  alarm_name          = "${var.name}-db-cpu"
  alarm_description   = "RDS CPU above ${var.db_cpu_threshold_percent}%."
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = { DBInstanceIdentifier = var.db_instance_identifier }
  statistic           = "Average"
  period              = 300
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.db_cpu_threshold_percent
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  treat_missing_data  = "breaching"
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "db_connections" {
  alarm_name          = "${var.name}-db-connections"
  alarm_description   = "More than ${var.db_connections_threshold} database connections."
  namespace           = "AWS/RDS"
  metric_name         = "DatabaseConnections"
  dimensions          = { DBInstanceIdentifier = var.db_instance_identifier }
  statistic           = "Maximum"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.db_connections_threshold
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "cache_memory" {
  alarm_name          = "${var.name}-cache-memory"
  alarm_description   = "A cache node uses more than ${var.cache_memory_threshold_percent}% of its memory."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.cache_memory_threshold_percent
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  dynamic "metric_query" {
    for_each = local.cache_node_ids

    content {
      id          = "n${metric_query.key}"
      return_data = false

      metric {
        namespace   = "AWS/ElastiCache"
        metric_name = "DatabaseMemoryUsagePercentage"
        dimensions  = { CacheClusterId = metric_query.value }
        period      = 60
        stat        = "Maximum"
      }
    }
  }

  metric_query {
    id          = "worst"
    expression  = "MAX(METRICS())"
    label       = "Highest node memory use (%)"
    return_data = true
  }

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "cache_evictions" {
  alarm_name          = "${var.name}-cache-evictions"
  alarm_description   = "More than ${var.cache_evictions_threshold} evictions in 5 minutes across the cache nodes."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.cache_evictions_threshold
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  dynamic "metric_query" {
    for_each = local.cache_node_ids

    content {
      id          = "n${metric_query.key}"
      return_data = false

      metric {
        namespace   = "AWS/ElastiCache"
        metric_name = "Evictions"
        dimensions  = { CacheClusterId = metric_query.value }
        period      = 300
        stat        = "Sum"
      }
    }
  }

  metric_query {
    id          = "evictions"
    expression  = "SUM(METRICS())"
    label       = "Evictions"
    return_data = true
  }

  tags = var.tags
}

# A Metrics Insights query sums every reason series of the [reason] set the collector publishes.
resource "aws_cloudwatch_metric_alarm" "auth_failures" {
  alarm_name          = "${var.name}-auth-failures-spike"
  alarm_description   = "More than ${var.auth_failures_threshold} refused tokens or permissions in 5 minutes."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.auth_failures_threshold
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "failures"
    expression  = "SELECT SUM(\"auth.failures\") FROM SCHEMA(\"Navius\", reason)"
    period      = 300
    label       = "Auth failures"
    return_data = true
  }

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "estimated_cost" {
  alarm_name          = "${var.name}-estimated-aws-cost"
  alarm_description   = "Estimated AWS request cost above ${var.estimated_cost_threshold_micro_usd} micro-USD an hour."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.estimated_cost_threshold_micro_usd
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "cost"
    expression  = "SELECT SUM(\"aws.estimated_cost\") FROM SCHEMA(\"Navius\", service)"
    period      = 3600
    label       = "Estimated cost (micro-USD)"
    return_data = true
  }

  tags = var.tags
}

resource "aws_budgets_budget" "monthly" {
  count = var.monthly_budget_usd == null ? 0 : 1

  name         = "${var.name}-monthly"
  budget_type  = "COST"
  limit_amount = format("%.2f", var.monthly_budget_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  notification {
    comparison_operator       = "GREATER_THAN"
    threshold                 = 80
    threshold_type            = "PERCENTAGE"
    notification_type         = "ACTUAL"
    subscriber_sns_topic_arns = [aws_sns_topic.alarms.arn]
  }

  notification {
    comparison_operator       = "GREATER_THAN"
    threshold                 = 100
    threshold_type            = "PERCENTAGE"
    notification_type         = "ACTUAL"
    subscriber_sns_topic_arns = [aws_sns_topic.alarms.arn]
  }

  notification {
    comparison_operator       = "GREATER_THAN"
    threshold                 = 100
    threshold_type            = "PERCENTAGE"
    notification_type         = "FORECASTED"
    subscriber_sns_topic_arns = [aws_sns_topic.alarms.arn]
  }

  depends_on = [aws_sns_topic_policy.alarms]
}

resource "aws_xray_sampling_rule" "health" {
  rule_name      = "${var.name}-health"
  priority       = 100
  version        = 1
  reservoir_size = 0
  fixed_rate     = 0
  service_name   = var.service_name
  service_type   = "*"
  host           = "*"
  http_method    = "GET"
  url_path       = "/health/*"
  resource_arn   = "*"

  tags = var.tags
}

resource "aws_xray_sampling_rule" "writes" {
  rule_name      = "${var.name}-writes"
  priority       = 200
  version        = 1
  reservoir_size = 2
  fixed_rate     = min(1, var.trace_sample_rate * 4)
  service_name   = var.service_name
  service_type   = "*"
  host           = "*"
  http_method    = "POST"
  url_path       = "/v1/*"
  resource_arn   = "*"

  tags = var.tags
}

resource "aws_xray_sampling_rule" "api" {
  rule_name      = "${var.name}-api"
  priority       = 1000
  version        = 1
  reservoir_size = 1
  fixed_rate     = var.trace_sample_rate
  service_name   = var.service_name
  service_type   = "*"
  host           = "*"
  http_method    = "*"
  url_path       = "*"
  resource_arn   = "*"

  tags = var.tags
}

resource "aws_xray_group" "faults" {
  group_name        = "${var.name}-faults"
  filter_expression = "service(\"${var.service_name}\") AND fault = true"

  insights_configuration {
    insights_enabled      = true
    notifications_enabled = false
  }

  tags = var.tags
}

resource "aws_xray_group" "slow" {
  group_name        = "${var.name}-slow"
  filter_expression = "service(\"${var.service_name}\") AND responsetime > ${var.latency_p99_threshold_ms / 1000}"

  insights_configuration {
    insights_enabled      = true
    notifications_enabled = false
  }

  tags = var.tags
}
