variable "name" {
  description = "Name prefix of the security groups."
  type        = string
}

variable "vpc_id" {
  description = "VPC the security groups belong to."
  type        = string
}

variable "app_port" {
  description = "Port the application containers listen on."
  type        = number
  default     = 3000
}

variable "test_listener_port" {
  description = "Port of the load balancer's blue/green test listener."
  type        = number
  default     = 8443
}

variable "test_listener_cidrs" {
  description = "CIDRs allowed to reach the test listener (pipeline runners, VPN); never the internet."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.test_listener_cidrs : can(cidrnetmask(cidr)) && cidr != "0.0.0.0/0"])
    error_message = "test_listener_cidrs must be IPv4 CIDRs and may not be 0.0.0.0/0."
  }
}

variable "nat_public_ips" {
  description = "Public addresses of the VPC's NAT gateways: the deployment hook reaches the test listener through them."
  type        = list(string)
  default     = []
}

variable "nat_gateway_count" {
  description = "Number of NAT gateways (known at plan time, unlike their addresses)."
  type        = number
  default     = 0
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
