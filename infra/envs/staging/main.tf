locals {
  name                = "navius-${var.environment}"
  database_user       = "navius_app"
  cache_max_replicas  = 3
  otel_collector_yaml = file("${path.root}/../../../docker/otel-collector.yaml")
  test_listener_port  = 8443
  tags = {
    Project     = "navius"
    Environment = var.environment
    ManagedBy   = "terraform"
  }
}

module "kms" {
  source = "../../modules/kms"

  name = local.name
}

module "network" {
  source = "../../modules/network"

  name             = local.name
  cidr             = var.vpc_cidr
  azs              = var.azs
  logs_kms_key_arn = module.kms.key_arns["logs"]
}

module "security_groups" {
  source = "../../modules/security-groups"

  name                = local.name
  vpc_id              = module.network.vpc_id
  test_listener_port  = local.test_listener_port
  test_listener_cidrs = var.test_listener_cidrs
  nat_public_ips      = module.network.nat_public_ips
  nat_gateway_count   = length(module.network.nat_public_ips)
}

module "access_logs" {
  source = "../../modules/log-bucket"

  name = local.name
}

module "documents" {
  source = "../../modules/s3-documents"

  name                      = local.name
  kms_key_arn               = module.kms.key_arns["s3"]
  notifications_kms_key_arn = module.kms.key_arns["notifications"]
  log_bucket_id             = module.access_logs.bucket_id
  log_bucket_arn            = module.access_logs.bucket_arn
  cors_allowed_origins      = var.cors_allowed_origins

  access_point = {
    vpc_id         = module.network.vpc_id
    principal_arns = [module.app.task_role_arn]
  }
}

module "database" {
  source = "../../modules/rds"

  name                             = local.name
  subnet_ids                       = module.network.database_subnet_ids
  security_group_id                = module.security_groups.database_security_group_id
  kms_key_arn                      = module.kms.key_arns["rds"]
  performance_insights_kms_key_arn = module.kms.key_arns["performance_insights"]
  logs_kms_key_arn                 = module.kms.key_arns["logs"]
  instance_class                   = var.rds_instance_class
  backup_retention_period          = 14
}

module "cache" {
  source = "../../modules/elasticache"

  name              = local.name
  subnet_ids        = module.network.database_subnet_ids
  security_group_id = module.security_groups.cache_security_group_id
  kms_key_arn       = module.kms.key_arns["elasticache"]
  logs_kms_key_arn  = module.kms.key_arns["logs"]
  node_type         = var.cache_node_type
  max_replicas      = local.cache_max_replicas
}

module "alb" {
  source = "../../modules/alb"

  name               = local.name
  vpc_id             = module.network.vpc_id
  subnet_ids         = module.network.public_subnet_ids
  security_group_id  = module.security_groups.alb_security_group_id
  certificate_arn    = var.certificate_arn
  test_listener_port = local.test_listener_port
  access_log_bucket  = module.access_logs.bucket_id
  access_log_prefix  = module.access_logs.alb_prefix
  logs_kms_key_arn   = module.kms.key_arns["logs"]
}

module "app" {
  source = "../../modules/ecs-service"

  name                  = local.name
  environment           = var.environment
  private_subnet_ids    = module.network.private_subnet_ids
  security_group_id     = module.security_groups.app_security_group_id
  target_group_arn      = module.alb.blue_target_group_arn
  image                 = "${var.ecr_repository_url}:${var.app_image_tag}"
  ecr_repository_arn    = var.ecr_repository_arn
  otel_collector_config = local.otel_collector_yaml
  logs_kms_key_arn      = module.kms.key_arns["logs"]
  desired_count         = var.app_min_tasks
  min_capacity          = var.app_min_tasks
  max_capacity          = var.app_max_tasks

  database = {
    host        = module.database.address
    port        = module.database.port
    name        = module.database.database_name
    user        = local.database_user
    resource_id = module.database.resource_id
  }

  redis_url_secret_arn     = module.cache.redis_url_secret_arn
  redis_secret_kms_key_arn = module.kms.key_arns["elasticache"]

  documents = {
    bucket_name        = module.documents.bucket_id
    bucket_arn         = module.documents.bucket_arn
    kms_key_arn        = module.kms.key_arns["s3"]
    key_pattern        = module.documents.document_key_pattern
    access_point_arn   = module.documents.access_point_arn
    events_queue_url   = module.documents.events_queue_url
    events_queue_arn   = module.documents.events_queue_arn
    events_kms_key_arn = module.kms.key_arns["notifications"]
  }

  entra = {
    tenant_id = var.entra_tenant_id
    client_id = module.entra.client_id
  }
}

module "observability" {
  source = "../../modules/observability"

  name                       = local.name
  notifications_kms_key_arn  = module.kms.key_arns["notifications"]
  alarm_emails               = var.alarm_emails
  db_instance_identifier     = module.database.identifier
  cache_replication_group_id = module.cache.replication_group_id
  cache_max_replicas         = local.cache_max_replicas
  alb_arn_suffix             = module.alb.arn_suffix
  monthly_budget_usd         = var.monthly_budget_usd
}

module "codedeploy" {
  source = "../../modules/codedeploy"

  name                 = local.name
  cluster_name         = module.app.cluster_name
  service_name         = module.app.service_name
  prod_listener_arn    = module.alb.https_listener_arn
  test_listener_arn    = module.alb.test_listener_arn
  target_group_names   = [module.alb.blue_target_group_name, module.alb.green_target_group_name]
  rollback_alarm_names = module.observability.deployment_alarm_names
}

module "backup" {
  source = "../../modules/backup"

  name          = local.name
  kms_key_arn   = module.kms.key_arns["backup"]
  resource_arns = [module.database.arn]
}

module "pipeline" {
  source = "../../modules/pipeline-oidc"

  name                              = local.name
  project_path                      = var.gitlab_project_path
  subjects                          = var.pipeline_subjects
  smoke_client_secret_arn           = module.deploy_hook.smoke_client_secret_arn
  smoke_client_secret_kms_key_arn   = module.kms.key_arns["secrets"]
  ecs_cluster_name                  = module.app.cluster_name
  ecs_service_name                  = module.app.service_name
  task_family                       = module.app.task_family
  pass_role_arns                    = [module.app.task_role_arn, module.app.execution_role_arn]
  codedeploy_application_name       = module.codedeploy.application_name
  codedeploy_deployment_group_name  = module.codedeploy.deployment_group_name
  codedeploy_deployment_config_name = module.codedeploy.deployment_config_name
}

module "deploy_hook" {
  source = "../../modules/deploy-hook"

  name                            = local.name
  environment                     = var.environment
  deploy_dir                      = "${path.root}/../../deploy"
  test_listener_url               = "https://${var.service_host}:${local.test_listener_port}"
  codedeploy_deployment_group_arn = module.codedeploy.deployment_group_arn
  smoke_client                    = module.entra.smoke_test_client
  secret_kms_key_arn              = module.kms.key_arns["secrets"]
  logs_kms_key_arn                = module.kms.key_arns["logs"]
  subnet_ids                      = module.network.private_subnet_ids
  security_group_id               = module.security_groups.deploy_hook_security_group_id
}

module "operations_access" {
  source = "../../modules/cross-account-role"

  name                   = local.name
  trusted_principal_arns = var.operations_principal_arns
  external_id            = var.operations_external_id
  log_group_arns         = module.app.log_group_arns
  ecs_cluster_name       = module.app.cluster_name
}

module "entra" {
  source = "../../modules/entra"

  display_name     = "Navius API (${var.environment})"
  role_assignments = var.entra_role_assignments
}
