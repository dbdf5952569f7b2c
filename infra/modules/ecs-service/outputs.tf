output "cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "service_name" {
  description = "ECS service name."
  value       = aws_ecs_service.this.name
}

output "task_family" {
  description = "Task definition family the pipeline registers new revisions in."
  value       = aws_ecs_task_definition.this.family
}

output "task_definition_arn" {
  description = "Task definition revision Terraform created (the pipeline registers later ones)."
  value       = aws_ecs_task_definition.this.arn
}

output "container_name" {
  description = "Container the load balancer targets (appspec ContainerName)."
  value       = local.app_container
}

output "container_port" {
  description = "Port the load balancer targets (appspec ContainerPort)."
  value       = var.container_port
}

output "task_role_arn" {
  description = "Role the application runs as."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "Role ECS uses to pull the image, read secrets and ship logs."
  value       = aws_iam_role.execution.arn
}

output "app_log_group_name" {
  description = "Log group of the application container."
  value       = aws_cloudwatch_log_group.app.name
}

output "metrics_log_group_name" {
  description = "Log group the collector's EMF exporter writes to."
  value       = aws_cloudwatch_log_group.metrics.name
}

output "log_group_arns" {
  description = "Log groups of the application and the collector."
  value       = [aws_cloudwatch_log_group.app.arn, aws_cloudwatch_log_group.otel.arn]
}
