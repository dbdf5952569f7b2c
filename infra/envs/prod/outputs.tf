output "service_url_target" {
  description = "DNS name the service's host name points at (CNAME or alias)."
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
  description = "Roles of the GitLab jobs: NAVIUS_PUBLISH_ROLE_ARN, NAVIUS_<ENV>_DEPLOY_ROLE_ARN, NAVIUS_<ENV>_VERIFY_ROLE_ARN."
  value = {
    publish = module.pipeline.publish_role_arn
    deploy  = module.pipeline.deploy_role_arn
    verify  = module.pipeline.verify_role_arn
  }
}

output "ecr_repository_url" {
  description = "NAVIUS_ECR_REPOSITORY_URL: the release registry the other accounts pull from."
  value       = module.ecr.repository_url
}

output "documents_bucket" {
  description = "S3_BUCKET of the service."
  value       = module.documents.bucket_id
}

output "documents_events_queue_url" {
  description = "Queue of object-created and object-removed events of the documents bucket."
  value       = module.documents.events_queue_url
}

output "database_endpoint" {
  description = "DATABASE_HOST of the service."
  value       = module.database.address
}

output "database_master_secret_arn" {
  description = "Secret holding the master password, for the one-time creation of the navius_app user."
  value       = module.database.master_user_secret_arn
}

output "entra_client_id" {
  description = "ENTRA_CLIENT_ID of the service (the dr environment uses the same registration)."
  value       = module.entra.client_id
}

output "alarm_topic_arn" {
  description = "SNS topic of alarms and budget notifications."
  value       = module.observability.alarm_topic_arn
}

output "operations_role_arn" {
  description = "Read-only role the operations account assumes with the external id."
  value       = module.operations_access.role_arn
}
