# staging account. Placeholders: replace account, certificate, tenant and group ids with your organisation's; the external id comes from TF_VAR_operations_external_id.
account_id = "222222222222"
region     = "eu-west-1"
azs        = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
vpc_cidr   = "10.20.0.0/16"

service_host         = "api.staging.navius.example"
certificate_arn      = "arn:aws:acm:eu-west-1:222222222222:certificate/3f2b1a7e-6c1d-4b8e-9f0a-2d4c6e8a0b1c"
cors_allowed_origins = ["https://app.staging.navius.example"]
test_listener_cidrs  = ["203.0.113.0/28"]
app_image_tag        = "1.0.0"
ecr_repository_url   = "333333333333.dkr.ecr.eu-west-1.amazonaws.com/navius"
ecr_repository_arn   = "arn:aws:ecr:eu-west-1:333333333333:repository/navius"

entra_tenant_id = "8d3f5a1c-2b4e-4f6a-9c7d-1e2f3a4b5c6d"
entra_role_assignments = {
  "Documents.Read"  = ["0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"]
  "Documents.Write" = ["0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"]
}

gitlab_project_path = "navius/navius-aws"
pipeline_subjects = [
  "project_path:navius/navius-aws:ref_type:branch:ref:main",
]
operations_principal_arns = ["arn:aws:iam::444444444444:role/operations-readonly"]

alarm_emails       = ["platform@navius.example"]
monthly_budget_usd = 1500

rds_instance_class = "db.m7g.large"
cache_node_type    = "cache.m7g.large"
app_min_tasks      = 2
app_max_tasks      = 6
