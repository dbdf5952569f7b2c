variable "name" {
  description = "Name prefix (for example navius-prod); the function is CodeDeployHook_<name>-after-allow-test-traffic."
  type        = string
}

variable "environment" {
  description = "Environment name; the smoke client secret is navius/<environment>/smoke-client."
  type        = string
}

variable "deploy_dir" {
  description = "Directory of infra/deploy, whose hook, smoke test and token helper are zipped into the function."
  type        = string
}

variable "test_listener_url" {
  description = "URL of the blue/green test listener (https://<service host>:<test port>), which reaches only the new task set."
  type        = string

  validation {
    condition     = startswith(var.test_listener_url, "https://")
    error_message = "test_listener_url must be https://."
  }
}

variable "codedeploy_deployment_group_arn" {
  description = "Deployment group whose lifecycle hook executions the function reports."
  type        = string
}

variable "smoke_client" {
  description = "The Entra smoke-test client the function gets an app-only token with (client credentials)."
  type = object({
    tenant_id     = string
    client_id     = string
    client_secret = string
    scope         = string
  })
  sensitive = true
}

variable "secret_kms_key_arn" {
  description = "Customer managed key of the smoke client secret."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "Customer managed key of the function's log group."
  type        = string
}

variable "log_retention_days" {
  description = "Days the function's logs are kept."
  type        = number
  default     = 365
}

variable "subnet_ids" {
  description = "Private subnets the function runs in (its traffic leaves through the NAT gateways the test listener admits)."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the function."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
