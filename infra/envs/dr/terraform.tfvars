# DR stack in prod's account and DR region. Placeholders: replace account, certificate and tenant ids with your
# organisation's; entra_client_id is prod's output; the external id and smoke client secret come from TF_VAR_*.
account_id = "333333333333"
region     = "eu-central-1"
azs        = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
vpc_cidr   = "10.40.0.0/16"

service_host        = "api.dr.navius.example"
certificate_arn     = "arn:aws:acm:eu-central-1:333333333333:certificate/7a9c1e3b-5d2f-4a6b-8c0d-4e6f8a0b2c4d"
test_listener_cidrs = ["203.0.113.0/28"]
app_image_tag       = "1.0.0"

entra_tenant_id = "8d3f5a1c-2b4e-4f6a-9c7d-1e2f3a4b5c6d"
entra_client_id = "6b1d3f5a-7c9e-4b2d-8f0a-1c3e5a7b9d2f"
smoke_client_id = "2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3c5e7a"

gitlab_project_path = "navius/navius-aws"
pipeline_subjects = [
  "project_path:navius/navius-aws:ref_type:tag:ref:v*",
]
operations_principal_arns = ["arn:aws:iam::444444444444:role/operations-readonly"]

alarm_emails = ["oncall@navius.example"]

# restore_snapshot_identifier = "arn:aws:rds:eu-central-1:333333333333:snapshot:awsbackup:job-..."
rds_instance_class = "db.m7g.large"
cache_node_type    = "cache.m7g.large"
app_min_tasks      = 0
app_max_tasks      = 12
