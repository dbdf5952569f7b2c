output "address" {
  description = "Host name of the instance (DATABASE_HOST)."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the instance (DATABASE_PORT)."
  value       = aws_db_instance.this.port
}

output "database_name" {
  description = "Application database (DATABASE_NAME)."
  value       = var.database_name
}

output "identifier" {
  description = "DB instance identifier (the DBInstanceIdentifier metric dimension)."
  value       = aws_db_instance.this.identifier
}

output "arn" {
  description = "ARN of the DB instance, for the AWS Backup selection."
  value       = aws_db_instance.this.arn
}

output "resource_id" {
  description = "DBI resource id, the part of rds-db:connect ARNs that names the instance."
  value       = aws_db_instance.this.resource_id
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret RDS keeps the master password in."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}
