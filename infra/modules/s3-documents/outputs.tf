output "bucket_id" {
  description = "Name of the documents bucket (S3_BUCKET)."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the documents bucket."
  value       = aws_s3_bucket.this.arn
}

output "document_key_pattern" {
  description = "Key pattern of document objects, for IAM resource ARNs."
  value       = local.document_keys
}

output "access_point_arn" {
  description = "ARN of the application's access point, or null."
  value       = var.access_point == null ? null : aws_s3_access_point.app[0].arn
}

output "access_point_alias" {
  description = "Alias of the application's access point, usable where a bucket name is expected, or null."
  value       = var.access_point == null ? null : aws_s3_access_point.app[0].alias
}

output "events_queue_arn" {
  description = "ARN of the queue receiving object-created and object-removed events."
  value       = aws_sqs_queue.events.arn
}

output "events_queue_url" {
  description = "URL of the queue receiving object-created and object-removed events."
  value       = aws_sqs_queue.events.id
}

output "events_dlq_arn" {
  description = "ARN of the dead-letter queue of document events."
  value       = aws_sqs_queue.events_dlq.arn
}
