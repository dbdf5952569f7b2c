variable "display_name" {
  description = "Display name of the API application registration (for example Navius API (prod))."
  type        = string
}

variable "sign_in_audience" {
  description = "Who may sign in: AzureADMyOrg (single tenant) or AzureADMultipleOrgs (ENTRA_TENANT_ID=organizations)."
  type        = string
  default     = "AzureADMyOrg"

  validation {
    condition     = contains(["AzureADMyOrg", "AzureADMultipleOrgs"], var.sign_in_audience)
    error_message = "sign_in_audience must be AzureADMyOrg or AzureADMultipleOrgs."
  }
}

variable "owner_object_ids" {
  description = "Additional owners of the registrations (the identity running Terraform is always one)."
  type        = list(string)
  default     = []
}

variable "role_assignments" {
  description = "Users or groups (object ids) given each app role, for example { \"Documents.Read\" = [\"<group id>\"] }."
  type        = map(list(string))
  default     = {}

  validation {
    condition     = alltrue([for role in keys(var.role_assignments) : contains(["Documents.Read", "Documents.Write", "Audit.Read", "Sessions.Revoke"], role)])
    error_message = "role_assignments keys must be app roles: Documents.Read, Documents.Write, Audit.Read, Sessions.Revoke."
  }
}

variable "smoke_test_client" {
  description = "Create the deployment's smoke-test client: a daemon app given Documents.Read and Documents.Write, with a rotating secret."
  type        = bool
  default     = true
}

variable "smoke_test_secret_rotation_days" {
  description = "Days after which the smoke-test client's secret is replaced (the old one stays valid 30 more days)."
  type        = number
  default     = 90
}
