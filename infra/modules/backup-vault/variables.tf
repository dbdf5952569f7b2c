variable "name" {
  description = "Name of the vault."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer managed key encrypting the recovery points."
  type        = string
}

variable "min_retention_days" {
  description = "Vault lock: recovery points cannot be deleted earlier than this."
  type        = number
  default     = 7
}

variable "max_retention_days" {
  description = "Vault lock: recovery points cannot be kept longer than this."
  type        = number
  default     = 400
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
