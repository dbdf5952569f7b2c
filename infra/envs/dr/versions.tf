terraform {
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.7"
    }
  }

  # The DR region's state bucket (bootstrap dr_backend_config), so this stack applies while the primary region is down;
  # the key ARN, not its alias, because the state bucket's policy compares the ARN.
  backend "s3" {
    bucket       = "navius-tfstate-333333333333-eu-central-1"
    key          = "envs/dr/terraform.tfstate"
    region       = "eu-central-1"
    kms_key_id   = "arn:aws:kms:eu-central-1:333333333333:key/00000000-0000-0000-0000-000000000000"
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
