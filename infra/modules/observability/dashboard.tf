locals {
  # Built as data so test/infra can check every Navius metric against the catalogue before jsonencode.
  dashboard = {
    widgets = [
      {
        type   = "metric"
        x      = 0
        y      = 0
        width  = 12
        height = 6
        properties = {
          title   = "Answers by status class"
          region  = local.region
          view    = "timeSeries"
          stacked = true
          period  = 60
          stat    = "Sum"
          metrics = [
            [local.namespace, "http.server.requests", "status_class", "2xx"],
            [local.namespace, "http.server.requests", "status_class", "3xx"],
            [local.namespace, "http.server.requests", "status_class", "4xx"],
            [local.namespace, "http.server.requests", "status_class", "5xx"],
          ]
        }
      },
      {
        type   = "metric"
        x      = 12
        y      = 0
        width  = 12
        height = 6
        properties = {
          title  = "Latency of successful requests (ms)"
          region = local.region
          view   = "timeSeries"
          period = 60
          metrics = [
            [local.namespace, "http.server.duration", "status_class", "2xx", { stat = "p50", label = "p50" }],
            [local.namespace, "http.server.duration", "status_class", "2xx", { stat = "p99", label = "p99" }],
          ]
          annotations = {
            horizontal = [{ label = "p99 alarm", value = var.latency_p99_threshold_ms }]
          }
        }
      },
      {
        type   = "metric"
        x      = 0
        y      = 6
        width  = 8
        height = 6
        properties = {
          title  = "Auth failures"
          region = local.region
          view   = "timeSeries"
          period = 300
          metrics = [
            [{ id = "failures", expression = "SELECT SUM(\"auth.failures\") FROM SCHEMA(\"Navius\", reason) GROUP BY reason", label = "" }],
          ]
        }
      },
      {
        type   = "metric"
        x      = 8
        y      = 6
        width  = 8
        height = 6
        properties = {
          title  = "Estimated AWS request cost (micro-USD)"
          region = local.region
          view   = "timeSeries"
          period = 3600
          metrics = [
            [{ id = "cost", expression = "SELECT SUM(\"aws.estimated_cost\") FROM SCHEMA(\"Navius\", service) GROUP BY service", label = "" }],
          ]
        }
      },
      {
        type   = "metric"
        x      = 16
        y      = 6
        width  = 8
        height = 6
        properties = {
          title  = "Load balancer"
          region = local.region
          view   = "timeSeries"
          period = 60
          stat   = "Sum"
          metrics = [
            ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.alb_arn_suffix],
            ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", var.alb_arn_suffix],
            ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", var.alb_arn_suffix],
          ]
        }
      },
      {
        type   = "metric"
        x      = 0
        y      = 12
        width  = 12
        height = 6
        properties = {
          title  = "Database"
          region = local.region
          view   = "timeSeries"
          period = 60
          metrics = [
            ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", var.db_instance_identifier, { stat = "Average" }],
            ["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", var.db_instance_identifier, { stat = "Maximum", yAxis = "right" }],
          ]
        }
      },
      {
        type   = "metric"
        x      = 12
        y      = 12
        width  = 12
        height = 6
        properties = {
          title  = "Cache"
          region = local.region
          view   = "timeSeries"
          period = 60
          metrics = [
            [{ id = "memory", expression = "SELECT MAX(DatabaseMemoryUsagePercentage) FROM SCHEMA(\"AWS/ElastiCache\", CacheClusterId) GROUP BY CacheClusterId", label = "" }],
            [{ id = "evictions", expression = "SELECT SUM(Evictions) FROM SCHEMA(\"AWS/ElastiCache\", CacheClusterId)", label = "Evictions", yAxis = "right" }],
          ]
        }
      },
      {
        type   = "alarm"
        x      = 0
        y      = 18
        width  = 24
        height = 4
        properties = {
          title = "Alarms"
          alarms = [
            aws_cloudwatch_metric_alarm.http_5xx_rate.arn,
            aws_cloudwatch_metric_alarm.http_latency_p99.arn,
            aws_cloudwatch_metric_alarm.alb_5xx.arn,
            aws_cloudwatch_metric_alarm.db_cpu.arn,
            aws_cloudwatch_metric_alarm.db_connections.arn,
            aws_cloudwatch_metric_alarm.cache_memory.arn,
            aws_cloudwatch_metric_alarm.cache_evictions.arn,
            aws_cloudwatch_metric_alarm.auth_failures.arn,
            aws_cloudwatch_metric_alarm.estimated_cost.arn,
          ]
        }
      },
    ]
  }
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode(local.dashboard)
}
