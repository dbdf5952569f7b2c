locals {
  name                = "navius-${var.environment}"
  replica_name        = "navius-${var.primary_environment}-replica"
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

# Replicas prod keeps in this region (see envs/prod, the dr_* modules): found by name, so no prod state is read.
data "aws_s3_bucket" "documents" {
  bucket = "${local.replica_name}-documents-${var.account_id}"
}

data "aws_kms_alias" "documents" {
  name = "alias/${local.replica_name}-s3"
}

data "aws_ecr_repository" "app" {
  name = "navius"
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

  # Standby: one NAT gateway until failover makes this the primary.
  single_nat_gateway = true
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

module "database" {
  source = "../../modules/rds"

  name                             = local.name
  subnet_ids                       = module.network.database_subnet_ids
  security_group_id                = module.security_groups.database_security_group_id
  kms_key_arn                      = module.kms.key_arns["rds"]
  performance_insights_kms_key_arn = module.kms.key_arns["performance_insights"]
  logs_kms_key_arn                 = module.kms.key_arns["logs"]
  instance_class                   = var.rds_instance_class
  snapshot_identifier              = var.restore_snapshot_identifier
  backup_retention_period          = 30
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
  image                 = "${data.aws_ecr_repository.app.repository_url}:${var.app_image_tag}"
  ecr_repository_arn    = data.aws_ecr_repository.app.arn
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
    bucket_name      = data.aws_s3_bucket.documents.id
    bucket_arn       = data.aws_s3_bucket.documents.arn
    kms_key_arn      = data.aws_kms_alias.documents.target_key_arn
    key_pattern      = "tenants/*/documents/*"
    access_point_arn = null
    # The replica bucket sends no events here: uploads land in the primary region.
    events_queue_url   = null
    events_queue_arn   = null
    events_kms_key_arn = null
  }

  entra = {
    tenant_id = var.entra_tenant_id
    client_id = var.entra_client_id
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
  # prod's budget already covers this account.
  monthly_budget_usd = null
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
  create_provider                   = false
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

# prod's smoke-test client: its secret comes from TF_VAR_smoke_client_secret (prod has no state to share here).
module "deploy_hook" {
  source = "../../modules/deploy-hook"

  name                            = local.name
  environment                     = var.environment
  deploy_dir                      = "${path.root}/../../deploy"
  test_listener_url               = "https://${var.service_host}:${local.test_listener_port}"
  codedeploy_deployment_group_arn = module.codedeploy.deployment_group_arn
  secret_kms_key_arn              = module.kms.key_arns["secrets"]
  logs_kms_key_arn                = module.kms.key_arns["logs"]
  subnet_ids                      = module.network.private_subnet_ids
  security_group_id               = module.security_groups.deploy_hook_security_group_id

  smoke_client = {
    tenant_id     = var.entra_tenant_id
    client_id     = var.smoke_client_id
    client_secret = var.smoke_client_secret
    scope         = "api://${var.entra_client_id}/.default"
  }
}

module "operations_access" {
  source = "../../modules/cross-account-role"

  name                   = local.name
  trusted_principal_arns = var.operations_principal_arns
  external_id            = var.operations_external_id
  log_group_arns         = module.app.log_group_arns
  ecs_cluster_name       = module.app.cluster_name
}
