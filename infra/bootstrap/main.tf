locals {
  tags = {
    Project   = "navius"
    Component = "terraform-state"
    ManagedBy = "terraform"
  }
}

module "access_logs" {
  source = "../modules/log-bucket"

  name = var.name
  tags = local.tags
}

module "state" {
  source = "../modules/state-bucket"

  name              = var.name
  access_log_bucket = module.access_logs.bucket_id
  tags              = local.tags
}

module "access_logs_dr" {
  source = "../modules/log-bucket"
  count  = var.create_dr_state_bucket ? 1 : 0

  providers = {
    aws = aws.dr
  }

  name = var.name
  tags = local.tags
}

module "state_dr" {
  source = "../modules/state-bucket"
  count  = var.create_dr_state_bucket ? 1 : 0

  providers = {
    aws = aws.dr
  }

  name              = var.name
  access_log_bucket = module.access_logs_dr[0].bucket_id
  tags              = local.tags
}
