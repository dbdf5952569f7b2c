variable "name" {
  description = "Name prefix of alarms, topic, dashboard and X-Ray rules (for example navius-prod)."
  type        = string
}

variable "notifications_kms_key_arn" {
  description = "Customer managed key of the alarm topic."
  type        = string
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic (each confirms by e-mail)."
  type        = list(string)
  default     = []
}

variable "service_name" {
  description = "OTEL_SERVICE_NAME of the application, as X-Ray sees it."
  type        = string
  default     = "navius"
}

variable "db_instance_identifier" {
  description = "RDS instance (DBInstanceIdentifier dimension)."
  type        = string
}

variable "cache_replication_group_id" {
  description = "ElastiCache replication group whose nodes are watched."
  type        = string
}

variable "cache_shards" {
  description = "Shards of the replication group."
  type        = number
  default     = 1
}

variable "cache_max_replicas" {
  description = "Upper bound of replica autoscaling; every node that may exist is watched."
  type        = number
  default     = 3

  validation {
    condition     = var.cache_shards * (var.cache_max_replicas + 1) <= 10
    error_message = "A metric-math alarm reads at most 10 metrics: shards x (replicas + 1) must not exceed 10."
  }
}

variable "alb_arn_suffix" {
  description = "Load balancer (LoadBalancer dimension)."
  type        = string
}

variable "error_rate_threshold_percent" {
  description = "Share of 5xx answers (percent of all answers a minute) that raises the alarm."
  type        = number
  default     = 2
}

variable "error_rate_min_requests" {
  description = "Requests a minute below which the 5xx rate is not judged (too few to mean anything)."
  type        = number
  default     = 20
}

variable "latency_p99_threshold_ms" {
  description = "p99 latency of successful requests (ms) that raises the alarm."
  type        = number
  default     = 1000
}

variable "db_cpu_threshold_percent" {
  description = "Average RDS CPU that raises the alarm."
  type        = number
  default     = 80
}

variable "db_connections_threshold" {
  description = "Database connections that raise the alarm (pool size x tasks, with headroom)."
  type        = number
  default     = 150
}

variable "cache_memory_threshold_percent" {
  description = "Memory use of any cache node (percent of maxmemory) that raises the alarm."
  type        = number
  default     = 80
}

variable "cache_evictions_threshold" {
  description = "Evictions in 5 minutes across the cache nodes that raise the alarm."
  type        = number
  default     = 100
}

variable "auth_failures_threshold" {
  description = "Refused tokens and permissions in 5 minutes that count as a spike."
  type        = number
  default     = 200
}

variable "estimated_cost_threshold_micro_usd" {
  description = "Estimated AWS request cost an hour (micro-USD, the unit of aws.estimated_cost) that raises the alarm."
  type        = number
  default     = 5000000
}

variable "monthly_budget_usd" {
  description = "Monthly cost budget of the account in USD; null for no budget (a second stack in the same account)."
  type        = number
  default     = null
}

variable "trace_sample_rate" {
  description = "Share of API requests the default X-Ray sampling rule records beyond the reservoir."
  type        = number
  default     = 0.05
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
