variable "name" {
  description = "Name prefix for the bucket (for example navius-prod); the account id and region are appended."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens."
  }
}

variable "retention_days" {
  description = "Days an access-log object is kept before it expires."
  type        = number
  default     = 400

  validation {
    condition     = var.retention_days >= 90
    error_message = "Access logs are kept at least 90 days."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
