output "bucket_id" {
  description = "Name of the state bucket, for the backend's bucket setting."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the state bucket."
  value       = aws_s3_bucket.this.arn
}

output "kms_key_arn" {
  description = "ARN of the key that encrypts state, for the backend's kms_key_id setting."
  value       = aws_kms_key.this.arn
}

output "region" {
  description = "Region of the state bucket, for the backend's region setting."
  value       = local.region
}
