output "client_id" {
  description = "Client id of the API registration (ENTRA_CLIENT_ID)."
  value       = azuread_application.api.client_id
}

output "identifier_uri" {
  description = "Application ID URI (api://<client id>), the second accepted audience."
  value       = azuread_application_identifier_uri.api.identifier_uri
}

output "tenant_id" {
  description = "Tenant the registrations live in."
  value       = data.azuread_client_config.current.tenant_id
}

output "service_principal_object_id" {
  description = "Object id of the API's enterprise application."
  value       = azuread_service_principal.api.object_id
}

output "app_role_ids" {
  description = "App role id by value."
  value       = { for role, id in random_uuid.app_role : role => id.result }
}

output "smoke_test_client" {
  description = "Client credentials of the smoke-test client (for the smoke secret), or null."
  sensitive   = true
  value = var.smoke_test_client ? {
    tenant_id     = data.azuread_client_config.current.tenant_id
    client_id     = azuread_application.smoke_test[0].client_id
    client_secret = azuread_application_password.smoke_test[0].value
    scope         = "${azuread_application_identifier_uri.api.identifier_uri}/.default"
  } : null
}
