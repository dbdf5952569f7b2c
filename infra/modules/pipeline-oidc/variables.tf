variable "name" {
  description = "Name prefix of the pipeline role."
  type        = string
}

variable "gitlab_host" {
  description = "Host of the GitLab instance issuing the CI ID tokens."
  type        = string
  default     = "gitlab.com"
}

variable "audience" {
  description = "aud the CI jobs request in their id_tokens block (.gitlab-ci.yml: sts.amazonaws.com)."
  type        = string
  default     = "sts.amazonaws.com"
}

variable "create_provider" {
  description = "Create the account's OIDC provider for GitLab (false when another stack of the account already did)."
  type        = bool
  default     = true
}

variable "project_path" {
  description = "GitLab project (group/project) whose pipelines may assume the role."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$", var.project_path))
    error_message = "project_path must be a literal group/project path without wildcards."
  }
}

variable "subjects" {
  description = "Exact sub claims allowed: project_path:<project>:ref_type:branch|tag:ref:<protected ref> (a tag ref may end in *)."
  type        = list(string)

  validation {
    condition = length(var.subjects) > 0 && alltrue([
      for subject in var.subjects : can(regex("^project_path:${replace(var.project_path, ".", "\\.")}:ref_type:(branch:ref:[A-Za-z0-9._/-]+|tag:ref:[A-Za-z0-9._/-]+\\*?)$", subject))
    ])
    error_message = "Each subject must name this project and one protected branch or tag (tags may end in *)."
  }
}

variable "publish_repository_arn" {
  description = "Repository the publish role pushes release images to; null when this account holds no registry."
  type        = string
  default     = null
}

variable "smoke_client_secret_arn" {
  description = "Secret navius/<env>/smoke-client the verify role reads (GitLab secrets: in the verify jobs)."
  type        = string
}

variable "smoke_client_secret_kms_key_arn" {
  description = "Key the smoke client secret is encrypted with."
  type        = string
}

variable "ecs_cluster_name" {
  description = "Cluster of the deployed service."
  type        = string
}

variable "ecs_service_name" {
  description = "Service the pipeline deploys."
  type        = string
}

variable "task_family" {
  description = "Task definition family the pipeline registers revisions in."
  type        = string
}

variable "pass_role_arns" {
  description = "Task and execution roles the pipeline may pass to new task definitions."
  type        = list(string)
}

variable "codedeploy_application_name" {
  description = "CodeDeploy application of the service."
  type        = string
}

variable "codedeploy_deployment_group_name" {
  description = "CodeDeploy deployment group of the service."
  type        = string
}

variable "codedeploy_deployment_config_name" {
  description = "Deployment configuration the deployments use."
  type        = string
}

variable "max_session_duration" {
  description = "Longest session (seconds) a pipeline job gets."
  type        = number
  default     = 3600
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
