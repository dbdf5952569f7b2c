output "bucket_id" {
  description = "Name of the access-log bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the access-log bucket."
  value       = aws_s3_bucket.this.arn
}

output "alb_prefix" {
  description = "Key prefix under which load balancers write their access logs."
  value       = "alb"
}

output "s3_access_prefix" {
  description = "Key prefix under which S3 server access logs are written."
  value       = "s3-access"
}

output "inventory_prefix" {
  description = "Key prefix under which S3 inventory reports are written."
  value       = "inventory"
}
