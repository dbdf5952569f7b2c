terraform {
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    azuread = {
      source  = "hashicorp/azuread"
      version = "~> 3.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
    time = {
      source  = "hashicorp/time"
      version = "~> 0.12"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.7"
    }
  }

  # The state bucket of this account (bootstrap output backend_config); the key ARN, not its alias, because the
  # state bucket's policy compares the ARN.
  backend "s3" {
    bucket       = "navius-tfstate-333333333333-eu-west-1"
    key          = "envs/prod/terraform.tfstate"
    region       = "eu-west-1"
    kms_key_id   = "arn:aws:kms:eu-west-1:333333333333:key/00000000-0000-0000-0000-000000000000"
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.account_id]

  default_tags {
    tags = local.tags
  }
}

provider "aws" {
  alias               = "dr"
  region              = var.dr_region
  allowed_account_ids = [var.account_id]

  default_tags {
    tags = local.tags
  }
}

provider "azuread" {
  tenant_id = var.entra_tenant_id
}
