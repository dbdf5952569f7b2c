output "vault_arn" {
  description = "ARN of the local vault."
  value       = aws_backup_vault.this.arn
}

output "plan_id" {
  description = "ID of the backup plan."
  value       = aws_backup_plan.this.id
}
