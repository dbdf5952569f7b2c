output "alb_security_group_id" {
  description = "Security group of the load balancer."
  value       = aws_security_group.alb.id
}

output "app_security_group_id" {
  description = "Security group of the ECS tasks."
  value       = aws_security_group.app.id
}

output "database_security_group_id" {
  description = "Security group of the RDS instance."
  value       = aws_security_group.database.id
}

output "cache_security_group_id" {
  description = "Security group of the ElastiCache replication group."
  value       = aws_security_group.cache.id
}

output "deploy_hook_security_group_id" {
  description = "Security group of the CodeDeploy hook function."
  value       = aws_security_group.deploy_hook.id
}
