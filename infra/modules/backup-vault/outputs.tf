output "name" {
  description = "Name of the vault."
  value       = aws_backup_vault.this.name
}

output "arn" {
  description = "ARN of the vault (destination of cross-region copies)."
  value       = aws_backup_vault.this.arn
}
