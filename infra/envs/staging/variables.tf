variable "environment" {
  description = "Environment name, part of every resource name."
  type        = string
  default     = "staging"
}

variable "account_id" {
  description = "AWS account of this environment; the provider refuses any other."
  type        = string
}

variable "region" {
  description = "Primary region."
  type        = string
}

variable "azs" {
  description = "Three availability zones of the primary region."
  type        = list(string)
}

variable "vpc_cidr" {
  description = "CIDR of the VPC."
  type        = string
}

variable "service_host" {
  description = "Host name of the service (the certificate's name); the deployment hook calls its test listener."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate of the service's host name in the primary region."
  type        = string
}

variable "cors_allowed_origins" {
  description = "Browser origins allowed to use presigned URLs."
  type        = list(string)
}

variable "test_listener_cidrs" {
  description = "CIDRs (pipeline runners, VPN) allowed on the blue/green test listener."
  type        = list(string)
}

variable "app_image_tag" {
  description = "Image tag the first task definition uses; the pipeline deploys later tags."
  type        = string
}

variable "entra_tenant_id" {
  description = "Microsoft Entra tenant (ENTRA_TENANT_ID) holding the app registration."
  type        = string
}

variable "entra_role_assignments" {
  description = "Groups or users given each app role."
  type        = map(list(string))
  default     = {}
}

variable "gitlab_project_path" {
  description = "GitLab project whose protected refs deploy this environment."
  type        = string
}

variable "pipeline_subjects" {
  description = "GitLab sub claims (protected refs) allowed to assume the deploy role."
  type        = list(string)
}

variable "operations_principal_arns" {
  description = "Roles of the operations account allowed to assume the read-only role."
  type        = list(string)
}

variable "operations_external_id" {
  description = "External id the operations account presents (TF_VAR_operations_external_id from the CI secret store)."
  type        = string
  sensitive   = true
}

variable "ecr_repository_url" {
  description = "Release registry in the prod account (its ecr_repository_url output): images are pulled across accounts."
  type        = string
}

variable "ecr_repository_arn" {
  description = "ARN of the release registry the execution role may pull from."
  type        = string
}

variable "alarm_emails" {
  description = "Addresses receiving alarms and budget notifications."
  type        = list(string)
}

variable "monthly_budget_usd" {
  description = "Monthly cost budget of the account."
  type        = number
}

variable "rds_instance_class" {
  description = "DB instance class."
  type        = string
}

variable "cache_node_type" {
  description = "ElastiCache node type."
  type        = string
}

variable "app_min_tasks" {
  description = "Lower bound of service autoscaling."
  type        = number
}

variable "app_max_tasks" {
  description = "Upper bound of service autoscaling."
  type        = number
}
