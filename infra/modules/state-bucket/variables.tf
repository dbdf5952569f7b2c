variable "name" {
  description = "Name prefix (for example navius); the bucket is <name>-tfstate-<account id>-<region>."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{2,20}$", var.name))
    error_message = "name must be 3-21 lowercase letters, digits or hyphens."
  }
}

variable "access_log_bucket" {
  description = "Name of the bucket that receives this bucket's server access logs."
  type        = string
}

variable "noncurrent_version_days" {
  description = "Days an overwritten state version is kept, so a bad apply can be rolled back."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_days >= 30
    error_message = "Keep old state versions at least 30 days."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
