variable "name" {
  description = "Name prefix (for example navius-prod); the bucket is <name>-documents-<account id>."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer managed key for SSE-KMS of the documents (S3_KMS_KEY_ID)."
  type        = string
}

variable "notifications_kms_key_arn" {
  description = "Customer managed key of the document-event queue and its dead-letter queue."
  type        = string
}

variable "log_bucket_id" {
  description = "Bucket receiving server access logs and inventory reports."
  type        = string
}

variable "log_bucket_arn" {
  description = "ARN of the bucket receiving inventory reports."
  type        = string
}

variable "cors_allowed_origins" {
  description = "Browser origins (https://...) allowed to upload and download with presigned URLs."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for origin in var.cors_allowed_origins : can(regex("^https://[a-z0-9.-]+(:[0-9]+)?$", origin))])
    error_message = "Each CORS origin must be an explicit https:// origin; wildcards are not allowed."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days a deleted or overwritten document version is kept before it expires."
  type        = number
  default     = 365

  validation {
    condition     = var.noncurrent_version_expiration_days >= 30
    error_message = "Keep noncurrent versions at least 30 days."
  }
}

variable "intelligent_tiering_after_days" {
  description = "Days after upload at which documents move to S3 Intelligent-Tiering."
  type        = number
  default     = 30
}

variable "replication" {
  description = "Cross-region replication to the DR bucket; null for no replication (replica buckets, dev)."
  type = object({
    destination_bucket_arn  = string
    destination_kms_key_arn = string
    destination_region      = string
  })
  default = null
}

variable "access_point" {
  description = "The application's VPC-only access point: the VPC it is reachable from and the roles it admits to the document keys; null for none."
  type = object({
    vpc_id         = string
    principal_arns = list(string)
  })
  default = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
