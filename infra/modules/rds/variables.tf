variable "name" {
  description = "Identifier of the DB instance and prefix of its companions (for example navius-prod)."
  type        = string
}

variable "subnet_ids" {
  description = "Database subnets (one a zone) for the DB subnet group."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group admitting PostgreSQL from the application only."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer managed key for storage, snapshots and the managed master-user secret."
  type        = string
}

variable "performance_insights_kms_key_arn" {
  description = "Customer managed key for Performance Insights data."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "Customer managed key of the exported PostgreSQL log groups."
  type        = string
}

variable "engine_version" {
  description = "PostgreSQL major version, pinned; AWS applies minor versions in the maintenance window (auto_minor_version_upgrade)."
  type        = string
  default     = "17"

  validation {
    condition     = can(regex("^17(\\.[0-9]+)?$", var.engine_version))
    error_message = "engine_version must be PostgreSQL 17 (\"17\" or \"17.x\")."
  }
}

variable "instance_class" {
  description = "DB instance class."
  type        = string
  default     = "db.m7g.large"
}

variable "allocated_storage" {
  description = "Initial gp3 storage in GiB."
  type        = number
  default     = 50
}

variable "max_allocated_storage" {
  description = "Upper bound in GiB for storage autoscaling."
  type        = number
  default     = 500

  validation {
    condition     = var.max_allocated_storage >= 100
    error_message = "Storage autoscaling needs headroom: max_allocated_storage of at least 100 GiB."
  }
}

variable "database_name" {
  description = "Name of the application database (DATABASE_NAME)."
  type        = string
  default     = "navius"
}

variable "master_username" {
  description = "Master user; its password is generated and kept in Secrets Manager by RDS."
  type        = string
  default     = "navius_admin"
}

variable "backup_retention_period" {
  description = "Days automated backups are kept."
  type        = number
  default     = 14

  validation {
    condition     = var.backup_retention_period >= 7 && var.backup_retention_period <= 35
    error_message = "backup_retention_period must be between 7 and 35 days."
  }
}

variable "backup_window" {
  description = "Daily UTC window of automated backups (must not overlap the maintenance window)."
  type        = string
  default     = "02:00-03:00"
}

variable "maintenance_window" {
  description = "Weekly UTC maintenance window, when minor upgrades are applied."
  type        = string
  default     = "sun:03:30-sun:04:30"
}

variable "monitoring_interval" {
  description = "Enhanced monitoring interval in seconds."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 5, 10, 15, 30, 60], var.monitoring_interval)
    error_message = "monitoring_interval must be 1, 5, 10, 15, 30 or 60 (0 would disable enhanced monitoring)."
  }
}

variable "log_min_duration_statement_ms" {
  description = "Statements slower than this many milliseconds are logged."
  type        = number
  default     = 500
}

variable "log_retention_days" {
  description = "Days the exported PostgreSQL logs are kept."
  type        = number
  default     = 365
}

variable "snapshot_identifier" {
  description = "Snapshot (or AWS Backup recovery point ARN) to restore from; null creates an empty database."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
