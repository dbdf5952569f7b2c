output "alarm_topic_arn" {
  description = "SNS topic every alarm and budget notification goes to."
  value       = aws_sns_topic.alarms.arn
}

output "deployment_alarm_names" {
  description = "Alarms that stop and roll back a blue/green deployment."
  value = [
    aws_cloudwatch_metric_alarm.http_5xx_rate.alarm_name,
    aws_cloudwatch_metric_alarm.http_latency_p99.alarm_name,
    aws_cloudwatch_metric_alarm.alb_5xx.alarm_name,
  ]
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the service."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "xray_group_arns" {
  description = "X-Ray groups (faults, slow requests)."
  value       = [aws_xray_group.faults.arn, aws_xray_group.slow.arn]
}
