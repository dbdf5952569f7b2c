resource "aws_backup_vault" "this" {
  name          = var.name
  kms_key_arn   = var.kms_key_arn
  force_destroy = false

  tags = var.tags
}

# Governance mode: retention bounds are enforced, and can be lifted only by principals allowed to.
resource "aws_backup_vault_lock_configuration" "this" {
  backup_vault_name  = aws_backup_vault.this.name
  min_retention_days = var.min_retention_days
  max_retention_days = var.max_retention_days
}
