variable "name" {
  description = "Name prefix for every network resource (for example navius-prod)."
  type        = string
}

variable "cidr" {
  description = "IPv4 CIDR of the VPC; public, private and database subnets are carved from it."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.cidr)) && tonumber(split("/", var.cidr)[1]) <= 20
    error_message = "cidr must be an IPv4 CIDR of /20 or larger."
  }
}

variable "azs" {
  description = "The three availability zones the subnets span."
  type        = list(string)

  validation {
    condition     = length(var.azs) == 3
    error_message = "Exactly three availability zones are required."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper, not zone-redundant) instead of one a zone."
  type        = bool
  default     = false
}

variable "app_port" {
  description = "Port the application containers listen on; the private NACL admits it from the VPC."
  type        = number
  default     = 3000
}

variable "logs_kms_key_arn" {
  description = "KMS key that encrypts the flow-log log group."
  type        = string
}

variable "flow_log_retention_days" {
  description = "Days VPC flow logs are kept in CloudWatch Logs."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a retention CloudWatch Logs accepts."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
