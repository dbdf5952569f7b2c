variable "name" {
  description = "Name of the cluster, service and task family (for example navius-prod)."
  type        = string
}

variable "environment" {
  description = "Deployment environment (dev, staging, prod, dr), published as deployment.environment.name."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets the tasks run in."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the tasks."
  type        = string
}

variable "target_group_arn" {
  description = "Target group the service registers with at creation; CodeDeploy swaps it afterwards."
  type        = string
}

variable "image" {
  description = "Initial application image (ECR URL with an immutable tag); later revisions come from the pipeline."
  type        = string
}

variable "ecr_repository_arn" {
  description = "Repository the execution role may pull the application image from."
  type        = string
}

variable "adot_image" {
  description = "AWS Distro for OpenTelemetry collector image, pinned to a version."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"
}

variable "otel_collector_config" {
  description = "Collector configuration (docker/otel-collector.yaml), handed to the sidecar as AOT_CONFIG_CONTENT."
  type        = string
}

variable "container_port" {
  description = "Port the application listens on (PORT)."
  type        = number
  default     = 3000
}

variable "container_user" {
  description = "uid:gid the application runs as; never root."
  type        = string
  default     = "1000:1000"

  validation {
    condition     = can(regex("^[1-9][0-9]*:[1-9][0-9]*$", var.container_user))
    error_message = "container_user must be a non-zero uid:gid."
  }
}

variable "cpu" {
  description = "Task CPU units."
  type        = number
  default     = 1024
}

variable "memory" {
  description = "Task memory in MiB."
  type        = number
  default     = 2048
}

variable "cpu_architecture" {
  description = "CPU architecture the image is built for (X86_64 or ARM64)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "desired_count" {
  description = "Tasks at creation; autoscaling owns the count afterwards."
  type        = number
  default     = 3
}

variable "min_capacity" {
  description = "Lower bound of service autoscaling."
  type        = number
  default     = 3
}

variable "max_capacity" {
  description = "Upper bound of service autoscaling."
  type        = number
  default     = 12
}

variable "stop_timeout_seconds" {
  description = "Seconds ECS waits after SIGTERM before SIGKILL (Fargate allows up to 120)."
  type        = number
  default     = 30

  validation {
    condition     = var.stop_timeout_seconds >= 2 && var.stop_timeout_seconds <= 120
    error_message = "stop_timeout_seconds must be between 2 and 120."
  }
}

variable "shutdown_timeout_ms" {
  description = "SHUTDOWN_TIMEOUT_MS: the process exits by itself within this deadline after SIGTERM."
  type        = number
  default     = 25000

  validation {
    condition     = var.shutdown_timeout_ms < var.stop_timeout_seconds * 1000
    error_message = "shutdown_timeout_ms must end before ECS sends SIGKILL (stop_timeout_seconds)."
  }
}

variable "shutdown_drain_delay_ms" {
  description = "SHUTDOWN_DRAIN_DELAY_MS: readiness fails but requests are still served this long after SIGTERM."
  type        = number
  default     = 5000

  validation {
    condition     = var.shutdown_drain_delay_ms + 10000 <= var.shutdown_timeout_ms
    error_message = "Leave at least 10 s of shutdown_timeout_ms for in-flight requests after the drain delay."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of the application."
  type        = string
  default     = "info"
}

variable "node_options" {
  description = "NODE_OPTIONS of the service container: V8 memory flags only, e.g. \"--max-old-space-size=768\" to trade throughput for a smaller footprint (README, Benchmarks). null leaves Node's defaults, which size the heap from the task's memory."
  type        = string
  default     = null

  validation {
    condition     = var.node_options == null || can(regex("^--(max|min)-[a-z-]+=[0-9]+( --(max|min)-[a-z-]+=[0-9]+)*$", var.node_options))
    error_message = "node_options takes V8 memory flags only (--max-…=N / --min-…=N): nothing that loads code or opens a debugger."
  }
}

variable "log_retention_days" {
  description = "Days application and collector logs are kept."
  type        = number
  default     = 365
}

variable "logs_kms_key_arn" {
  description = "Customer managed key of the log groups."
  type        = string
}

variable "database" {
  description = "PostgreSQL endpoint and the IAM-authenticated user the application connects as."
  type = object({
    host        = string
    port        = number
    name        = string
    user        = string
    resource_id = string
  })
}

variable "redis_url_secret_arn" {
  description = "Secrets Manager secret holding REDIS_URL."
  type        = string
}

variable "redis_secret_kms_key_arn" {
  description = "Key the REDIS_URL secret is encrypted with."
  type        = string
}

variable "documents" {
  description = "Documents bucket: name and ARN, its SSE-KMS key, the object key pattern, the app's access point (or null), and the queue of its object events with that queue's KMS key (or nulls: no event consumer)."
  type = object({
    bucket_name        = string
    bucket_arn         = string
    kms_key_arn        = string
    key_pattern        = string
    access_point_arn   = string
    events_queue_url   = optional(string)
    events_queue_arn   = optional(string)
    events_kms_key_arn = optional(string)
  })
}

variable "entra" {
  description = "Microsoft Entra ID tenant and the API application's client id."
  type = object({
    tenant_id = string
    client_id = string
  })
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
