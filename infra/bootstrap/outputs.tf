output "backend_config" {
  description = "Settings for envs/<env>/backend.s3.tfbackend of the environments in this account."
  value = {
    bucket     = module.state.bucket_id
    region     = module.state.region
    kms_key_id = module.state.kms_key_arn
  }
}

output "dr_backend_config" {
  description = "Settings for envs/dr/backend.s3.tfbackend, or null."
  value = var.create_dr_state_bucket ? {
    bucket     = module.state_dr[0].bucket_id
    region     = module.state_dr[0].region
    kms_key_id = module.state_dr[0].kms_key_arn
  } : null
}
