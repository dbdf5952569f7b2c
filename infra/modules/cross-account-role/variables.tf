variable "name" {
  description = "Name prefix of the role."
  type        = string
}

variable "trusted_principal_arns" {
  description = "Roles of the other account (operations, security) that may assume this role; never a whole account."
  type        = list(string)

  validation {
    condition     = length(var.trusted_principal_arns) > 0 && alltrue([for arn in var.trusted_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", arn))])
    error_message = "trusted_principal_arns must be IAM role ARNs."
  }
}

variable "external_id" {
  description = "Secret shared with the other account, required on every AssumeRole (confused-deputy protection)."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.external_id) >= 32
    error_message = "external_id must be at least 32 characters."
  }
}

variable "log_group_arns" {
  description = "Log groups the other account may read."
  type        = list(string)
}

variable "ecs_cluster_name" {
  description = "Cluster whose services and tasks the other account may describe."
  type        = string
}

variable "max_session_duration" {
  description = "Longest session in seconds."
  type        = number
  default     = 3600
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
