output "replication_group_id" {
  description = "Replication group id."
  value       = aws_elasticache_replication_group.this.id
}

output "configuration_endpoint_address" {
  description = "Cluster-mode configuration endpoint (TLS, port 6379)."
  value       = aws_elasticache_replication_group.this.configuration_endpoint_address
}

output "port" {
  description = "Port of the configuration endpoint."
  value       = local.port
}

output "redis_url_secret_arn" {
  description = "Secrets Manager secret holding REDIS_URL."
  value       = aws_secretsmanager_secret.redis_url.arn
}

output "member_clusters" {
  description = "Node ids (the CacheClusterId metric dimension)."
  value       = aws_elasticache_replication_group.this.member_clusters
}
