output "role_arn" {
  description = "Role the other account assumes (with the external id)."
  value       = aws_iam_role.this.arn
}
