variable "name" {
  description = "Repository name (for example navius)."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer managed key encrypting the images."
  type        = string
}

variable "replication_regions" {
  description = "Regions this account's registry replicates the repository to (the DR region); empty for none."
  type        = list(string)
  default     = []
}

variable "pull_account_ids" {
  description = "Other accounts (dev, staging) whose ECS execution roles navius-*-ecs-execution may pull images."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.pull_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "pull_account_ids must be 12-digit account ids."
  }
}

variable "keep_tagged_images" {
  description = "Number of most recent tagged images kept; older ones expire."
  type        = number
  default     = 100
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
