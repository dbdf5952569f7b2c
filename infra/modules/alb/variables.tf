variable "name" {
  description = "Name prefix of the load balancer and its target groups (at most 24 characters)."
  type        = string

  validation {
    condition     = length(var.name) <= 24
    error_message = "name must be at most 24 characters so target group names stay under 32."
  }
}

variable "vpc_id" {
  description = "VPC of the target groups."
  type        = string
}

variable "subnet_ids" {
  description = "Public subnets the load balancer spans."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the load balancer."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate served by the HTTPS and test listeners."
  type        = string
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listeners; TLS 1.3 policies only."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"

  validation {
    condition     = startswith(var.ssl_policy, "ELBSecurityPolicy-TLS13-")
    error_message = "ssl_policy must be one of the ELBSecurityPolicy-TLS13-* policies."
  }
}

variable "app_port" {
  description = "Port the targets listen on."
  type        = number
  default     = 3000
}

variable "health_check_path" {
  description = "Readiness path the target groups probe."
  type        = string
  default     = "/health/ready"
}

variable "deregistration_delay" {
  description = "Seconds a deregistered target keeps receiving in-flight requests before ECS stops it."
  type        = number
  default     = 20
}

variable "test_listener_port" {
  description = "Port of the blue/green test listener."
  type        = number
  default     = 8443
}

variable "access_log_bucket" {
  description = "Bucket receiving the access logs (SSE-S3, see the log-bucket module)."
  type        = string
}

variable "access_log_prefix" {
  description = "Key prefix of the access logs."
  type        = string
  default     = "alb"
}

variable "logs_kms_key_arn" {
  description = "Customer managed key of the WAF log group."
  type        = string
}

variable "log_retention_days" {
  description = "Days WAF logs are kept."
  type        = number
  default     = 365
}

variable "waf_rate_limit" {
  description = "Requests a client IP may send in 5 minutes before WAF blocks it."
  type        = number
  default     = 2000
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
