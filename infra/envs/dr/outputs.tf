output "service_url_target" {
  description = "DNS name the service's host name fails over to."
  value       = module.alb.dns_name
}

output "ecs_cluster_name" {
  description = "ECS_CLUSTER of infra/deploy."
  value       = module.app.cluster_name
}

output "ecs_service_name" {
  description = "ECS_SERVICE of infra/deploy."
  value       = module.app.service_name
}

output "codedeploy_application_name" {
  description = "CODEDEPLOY_APPLICATION of infra/deploy."
  value       = module.codedeploy.application_name
}

output "codedeploy_deployment_group_name" {
  description = "CODEDEPLOY_DEPLOYMENT_GROUP of infra/deploy."
  value       = module.codedeploy.deployment_group_name
}

output "after_allow_test_traffic_hook_name" {
  description = "AFTER_ALLOW_TEST_TRAFFIC_HOOK of infra/deploy: the hook function appspec.yaml names."
  value       = module.deploy_hook.function_name
}

output "container" {
  description = "Container and port the load balancer targets (appspec ContainerName and ContainerPort)."
  value       = { name = module.app.container_name, port = module.app.container_port }
}

output "pipeline_roles" {
  description = "Roles of the GitLab jobs: NAVIUS_DR_DEPLOY_ROLE_ARN and the verify role."
  value = {
    deploy = module.pipeline.deploy_role_arn
    verify = module.pipeline.verify_role_arn
  }
}

output "documents_bucket" {
  description = "S3_BUCKET of the service (prod's replica)."
  value       = data.aws_s3_bucket.documents.id
}

output "database_endpoint" {
  description = "DATABASE_HOST of the service."
  value       = module.database.address
}

output "alarm_topic_arn" {
  description = "SNS topic of alarms."
  value       = module.observability.alarm_topic_arn
}
