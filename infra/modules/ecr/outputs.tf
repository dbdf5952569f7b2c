output "repository_arn" {
  description = "ARN of the repository."
  value       = aws_ecr_repository.this.arn
}

output "repository_url" {
  description = "URL of the repository, the image reference without a tag."
  value       = aws_ecr_repository.this.repository_url
}
