output "deploy_role_arn" {
  description = "Role of the deploy and rollback jobs (NAVIUS_<ENV>_DEPLOY_ROLE_ARN)."
  value       = aws_iam_role.deploy.arn
}

output "verify_role_arn" {
  description = "Role of the smoke and integration jobs (NAVIUS_<ENV>_VERIFY_ROLE_ARN)."
  value       = aws_iam_role.verify.arn
}

output "publish_role_arn" {
  description = "Role of the package job (NAVIUS_PUBLISH_ROLE_ARN), or null."
  value       = var.publish_repository_arn == null ? null : aws_iam_role.publish[0].arn
}

output "provider_arn" {
  description = "IAM OIDC provider of the GitLab instance."
  value       = local.provider_arn
}
