variable "account_id" {
  description = "AWS account this bootstrap runs in (one state bucket set an account)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account id."
  }
}

variable "region" {
  description = "Region of the primary state bucket."
  type        = string
}

variable "dr_region" {
  description = "Region of the DR state bucket (the dr environment keeps its state there, away from the primary region)."
  type        = string
}

variable "create_dr_state_bucket" {
  description = "Create the state bucket in dr_region too (the account that hosts prod and dr)."
  type        = bool
  default     = false
}

variable "name" {
  description = "Name prefix of the state and access-log buckets."
  type        = string
  default     = "navius"
}
