output "application_name" {
  description = "CodeDeploy application (aws deploy create-deployment --application-name)."
  value       = aws_codedeploy_app.this.name
}

output "deployment_group_name" {
  description = "CodeDeploy deployment group (--deployment-group-name)."
  value       = aws_codedeploy_deployment_group.this.deployment_group_name
}

output "deployment_group_arn" {
  description = "ARN of the deployment group, for the pipeline role's policy."
  value       = aws_codedeploy_deployment_group.this.arn
}

output "deployment_config_name" {
  description = "Canary traffic-shifting configuration."
  value       = aws_codedeploy_deployment_config.canary.id
}

output "service_role_arn" {
  description = "Role CodeDeploy uses to shift traffic."
  value       = aws_iam_role.this.arn
}
