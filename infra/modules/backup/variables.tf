variable "name" {
  description = "Name prefix of the vault, plan, selection and role."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer managed key of the local vault."
  type        = string
}

variable "resource_arns" {
  description = "Resources backed up by the plan (the RDS instance)."
  type        = list(string)
}

variable "schedule" {
  description = "Cron expression (UTC) of the daily backup."
  type        = string
  default     = "cron(0 3 * * ? *)"
}

variable "retention_days" {
  description = "Days a local recovery point is kept."
  type        = number
  default     = 35

  validation {
    condition     = var.retention_days >= 7
    error_message = "Keep recovery points at least 7 days."
  }
}

variable "copy_destination_vault_arn" {
  description = "Vault in the DR region every recovery point is copied to; null for no copy."
  type        = string
  default     = null
}

variable "copy_retention_days" {
  description = "Days a copied recovery point is kept in the DR vault."
  type        = number
  default     = 35
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
