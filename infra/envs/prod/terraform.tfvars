# Production account. Placeholders: replace account, certificate, tenant and group ids with your organisation's; the external id comes from TF_VAR_operations_external_id.
account_id = "333333333333"
region     = "eu-west-1"
dr_region  = "eu-central-1"
azs        = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
vpc_cidr   = "10.30.0.0/16"

service_host         = "api.navius.example"
certificate_arn      = "arn:aws:acm:eu-west-1:333333333333:certificate/3f2b1a7e-6c1d-4b8e-9f0a-2d4c6e8a0b1c"
cors_allowed_origins = ["https://app.navius.example"]
test_listener_cidrs  = ["203.0.113.0/28"]
app_image_tag        = "1.0.0"

entra_tenant_id = "8d3f5a1c-2b4e-4f6a-9c7d-1e2f3a4b5c6d"
entra_role_assignments = {
  "Documents.Read"  = ["0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"]
  "Documents.Write" = ["0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"]
  "Audit.Read"      = ["5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"]
  "Sessions.Revoke" = ["5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"]
}

gitlab_project_path = "navius/navius-aws"
pipeline_subjects = [
  "project_path:navius/navius-aws:ref_type:branch:ref:main",
  "project_path:navius/navius-aws:ref_type:tag:ref:v*",
]
operations_principal_arns = ["arn:aws:iam::444444444444:role/operations-readonly"]

ecr_pull_account_ids = ["111111111111", "222222222222"]

alarm_emails       = ["oncall@navius.example"]
monthly_budget_usd = 4000

rds_instance_class = "db.m7g.large"
cache_node_type    = "cache.m7g.large"
app_min_tasks      = 3
app_max_tasks      = 12
