variable "name" {
  description = "Replication group id and prefix of its companions (lowercase, at most 40 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.name))
    error_message = "name must start with a letter and hold at most 40 lowercase letters, digits or hyphens."
  }
}

variable "subnet_ids" {
  description = "Database subnets for the cache subnet group."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group admitting Valkey from the application only."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer managed key for data at rest, snapshots and the connection secret."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "Customer managed key of the slow-log and engine-log groups."
  type        = string
}

variable "engine_version" {
  description = "Valkey major.minor version, pinned; patch releases are applied in the maintenance window."
  type        = string
  default     = "8.1"

  validation {
    condition     = can(regex("^8\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must be a Valkey 8 major.minor version such as 8.1."
  }
}

variable "node_type" {
  description = "Node type; Application Auto Scaling needs a Large, XLarge or 2XLarge node of the M7g, M6g, R7g or R6g families."
  type        = string
  default     = "cache.m7g.large"
}

variable "num_node_groups" {
  description = "Number of shards."
  type        = number
  default     = 1
}

variable "replicas_per_node_group" {
  description = "Replicas in each shard at creation; autoscaling moves it between the bounds below."
  type        = number
  default     = 1

  validation {
    condition     = var.replicas_per_node_group >= 1
    error_message = "At least one replica a shard is needed for Multi-AZ automatic failover."
  }
}

variable "min_replicas" {
  description = "Lower bound of replica autoscaling."
  type        = number
  default     = 1
}

variable "max_replicas" {
  description = "Upper bound of replica autoscaling (at most 5)."
  type        = number
  default     = 3

  validation {
    condition     = var.max_replicas <= 5
    error_message = "ElastiCache allows at most 5 replicas a shard."
  }
}

variable "replica_cpu_target" {
  description = "Average replica engine CPU (percent) that replica autoscaling holds."
  type        = number
  default     = 60
}

variable "snapshot_retention_limit" {
  description = "Days automatic snapshots are kept."
  type        = number
  default     = 7

  validation {
    condition     = var.snapshot_retention_limit >= 1
    error_message = "Keep at least one day of snapshots."
  }
}

variable "snapshot_window" {
  description = "Daily UTC snapshot window (must not overlap the maintenance window)."
  type        = string
  default     = "01:00-02:00"
}

variable "maintenance_window" {
  description = "Weekly UTC maintenance window."
  type        = string
  default     = "sun:04:30-sun:05:30"
}

variable "log_retention_days" {
  description = "Days slow-log and engine-log entries are kept."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
