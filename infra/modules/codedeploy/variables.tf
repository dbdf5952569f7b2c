variable "name" {
  description = "Name of the CodeDeploy application and deployment group."
  type        = string
}

variable "cluster_name" {
  description = "ECS cluster of the service."
  type        = string
}

variable "service_name" {
  description = "ECS service deployed blue/green."
  type        = string
}

variable "prod_listener_arn" {
  description = "Listener carrying production traffic."
  type        = string
}

variable "test_listener_arn" {
  description = "Listener routed to the replacement task set before traffic shifts."
  type        = string
}

variable "target_group_names" {
  description = "The blue and green target group names."
  type        = list(string)

  validation {
    condition     = length(var.target_group_names) == 2
    error_message = "Exactly two target groups are needed for blue/green."
  }
}

variable "canary_percentage" {
  description = "Share of traffic the replacement task set gets first."
  type        = number
  default     = 10
}

variable "canary_interval_minutes" {
  description = "Minutes the canary runs before the rest of the traffic shifts."
  type        = number
  default     = 5
}

variable "termination_wait_minutes" {
  description = "Minutes the original task set is kept after a successful shift, for a fast manual rollback."
  type        = number
  default     = 15
}

variable "rollback_alarm_names" {
  description = "CloudWatch alarms that stop the deployment and roll it back when they fire."
  type        = list(string)

  validation {
    condition     = length(var.rollback_alarm_names) > 0
    error_message = "At least one alarm must guard the deployment."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
