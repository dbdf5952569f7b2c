variable "environment" {
  description = "Environment name, part of every resource name."
  type        = string
  default     = "dr"
}

variable "primary_environment" {
  description = "Environment whose replicas (documents, images, backups) this stack takes over."
  type        = string
  default     = "prod"
}

variable "account_id" {
  description = "AWS account (the production account); the provider refuses any other."
  type        = string
}

variable "region" {
  description = "The disaster-recovery region (prod's dr_region)."
  type        = string
}

variable "azs" {
  description = "Three availability zones of the DR region."
  type        = list(string)
}

variable "vpc_cidr" {
  description = "CIDR of the VPC (distinct from prod's, so the two can be peered)."
  type        = string
}

variable "service_host" {
  description = "Host name of the service in the DR region (the certificate's name); the deployment hook calls its test listener."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate of the service's host name in the DR region."
  type        = string
}

variable "test_listener_cidrs" {
  description = "CIDRs (pipeline runners, VPN) allowed on the blue/green test listener."
  type        = list(string)
}

variable "app_image_tag" {
  description = "Image tag (replicated from prod's registry) the first task definition uses."
  type        = string
}

variable "entra_tenant_id" {
  description = "Microsoft Entra tenant (ENTRA_TENANT_ID)."
  type        = string
}

variable "entra_client_id" {
  description = "Client id of prod's API registration (prod output entra_client_id): tokens for prod are valid here."
  type        = string
}

variable "smoke_client_id" {
  description = "Client id of prod's smoke-test client (prod's smoke secret, clientId)."
  type        = string
}

variable "smoke_client_secret" {
  description = "Secret of prod's smoke-test client (TF_VAR_smoke_client_secret from the CI secret store)."
  type        = string
  sensitive   = true
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

variable "alarm_emails" {
  description = "Addresses receiving alarms."
  type        = list(string)
}

variable "restore_snapshot_identifier" {
  description = "Recovery point (snapshot ARN) copied from prod to restore at failover; null keeps an empty standby database."
  type        = string
  default     = null
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
  description = "Lower bound of service autoscaling (0 while on standby, raised at failover)."
  type        = number
}

variable "app_max_tasks" {
  description = "Upper bound of service autoscaling."
  type        = number
}
