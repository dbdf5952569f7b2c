data "azuread_client_config" "current" {}

locals {
  owners = distinct(concat([data.azuread_client_config.current.object_id], var.owner_object_ids))

  # The permissions of ARCHITECTURE.md: app roles (roles claim) and delegated scopes (scp claim).
  app_roles = {
    "Documents.Read" = {
      display_name = "Read documents"
      description  = "Read documents and download links in the caller's tenant."
    }
    "Documents.Write" = {
      display_name = "Write documents"
      description  = "Create, complete and delete documents in the caller's tenant."
    }
    "Audit.Read" = {
      display_name = "Read the audit trail"
      description  = "Read audit events, the compliance report and the chain verification."
    }
    "Sessions.Revoke" = {
      display_name = "Revoke sessions"
      description  = "Refuse every token a user was issued before now."
    }
  }

  scopes = {
    "Documents.Read" = {
      admin_display_name = "Read documents"
      admin_description  = "Lets the app read documents on behalf of the signed-in user."
      user_display_name  = "Read your documents"
      user_description   = "Lets the app read documents on your behalf."
    }
    "Documents.ReadWrite" = {
      admin_display_name = "Read and write documents"
      admin_description  = "Lets the app create, read and delete documents on behalf of the signed-in user."
      user_display_name  = "Read and write your documents"
      user_description   = "Lets the app create, read and delete documents on your behalf."
    }
  }

  assignments = merge([
    for role, principals in var.role_assignments : {
      for principal in principals : "${role}/${principal}" => { role = role, principal = principal }
    }
  ]...)
}

resource "random_uuid" "app_role" {
  for_each = local.app_roles
}

resource "random_uuid" "scope" {
  for_each = local.scopes
}

resource "azuread_application" "api" {
  display_name            = var.display_name
  owners                  = local.owners
  sign_in_audience        = var.sign_in_audience
  prevent_duplicate_names = true
  # Only groups assigned to the application are emitted, which keeps tokens below the groups overage limit.
  group_membership_claims = ["ApplicationGroup"]

  api {
    requested_access_token_version = 2

    dynamic "oauth2_permission_scope" {
      for_each = local.scopes

      content {
        id                         = random_uuid.scope[oauth2_permission_scope.key].result
        value                      = oauth2_permission_scope.key
        type                       = "User"
        enabled                    = true
        admin_consent_display_name = oauth2_permission_scope.value.admin_display_name
        admin_consent_description  = oauth2_permission_scope.value.admin_description
        user_consent_display_name  = oauth2_permission_scope.value.user_display_name
        user_consent_description   = oauth2_permission_scope.value.user_description
      }
    }
  }

  dynamic "app_role" {
    for_each = local.app_roles

    content {
      id                   = random_uuid.app_role[app_role.key].result
      value                = app_role.key
      display_name         = app_role.value.display_name
      description          = app_role.value.description
      allowed_member_types = ["User", "Application"]
      enabled              = true
    }
  }

  # azuread_application_identifier_uri owns the api://<client id> URI, which needs the client id first.
  lifecycle {
    ignore_changes = [identifier_uris]
  }
}

resource "azuread_application_identifier_uri" "api" {
  application_id = azuread_application.api.id
  identifier_uri = "api://${azuread_application.api.client_id}"
}

resource "azuread_service_principal" "api" {
  client_id                    = azuread_application.api.client_id
  owners                       = local.owners
  app_role_assignment_required = true

  feature_tags {
    enterprise = true
  }
}

resource "azuread_app_role_assignment" "principals" {
  for_each = local.assignments

  app_role_id         = random_uuid.app_role[each.value.role].result
  principal_object_id = each.value.principal
  resource_object_id  = azuread_service_principal.api.object_id
}

resource "azuread_application" "smoke_test" {
  count = var.smoke_test_client ? 1 : 0

  display_name            = "${var.display_name} smoke test"
  owners                  = local.owners
  sign_in_audience        = "AzureADMyOrg"
  prevent_duplicate_names = true

  required_resource_access {
    resource_app_id = azuread_application.api.client_id

    resource_access {
      id   = random_uuid.app_role["Documents.Read"].result
      type = "Role"
    }

    resource_access {
      id   = random_uuid.app_role["Documents.Write"].result
      type = "Role"
    }
  }
}

resource "azuread_service_principal" "smoke_test" {
  count = var.smoke_test_client ? 1 : 0

  client_id = azuread_application.smoke_test[0].client_id
  owners    = local.owners
}

resource "time_rotating" "smoke_test" {
  count = var.smoke_test_client ? 1 : 0

  rotation_days = var.smoke_test_secret_rotation_days
}

# Read by the CodeDeploy hook and the pipeline's verify jobs from Secrets Manager (see infra/deploy/entra-token.mjs).
resource "azuread_application_password" "smoke_test" {
  count = var.smoke_test_client ? 1 : 0

  application_id = azuread_application.smoke_test[0].id
  display_name   = "deployment smoke test"
  end_date       = timeadd(time_rotating.smoke_test[0].rotation_rfc3339, "720h")

  rotate_when_changed = {
    rotation = time_rotating.smoke_test[0].id
  }
}

resource "azuread_app_role_assignment" "smoke_test" {
  for_each = var.smoke_test_client ? toset(["Documents.Read", "Documents.Write"]) : toset([])

  app_role_id         = random_uuid.app_role[each.value].result
  principal_object_id = azuread_service_principal.smoke_test[0].object_id
  resource_object_id  = azuread_service_principal.api.object_id
}
