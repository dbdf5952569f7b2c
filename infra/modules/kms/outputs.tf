output "key_arns" {
  description = "Key ARN by purpose (s3, rds, performance_insights, elasticache, logs, notifications, backup, ecr, secrets)."
  value       = { for purpose, key in aws_kms_key.this : purpose => key.arn }
}

output "alias_names" {
  description = "Alias name by purpose."
  value       = { for purpose, alias in aws_kms_alias.this : purpose => alias.name }
}
