locals {
  port = 6379
}

resource "aws_elasticache_subnet_group" "this" {
  name        = var.name
  description = "Database subnets of ${var.name}"
  subnet_ids  = var.subnet_ids

  tags = var.tags
}

resource "aws_elasticache_parameter_group" "this" {
  name        = "${var.name}-valkey8"
  family      = "valkey8"
  description = "Valkey 8 cluster-mode settings of ${var.name}"

  parameter {
    name  = "cluster-enabled"
    value = "yes"
  }

  # Only keys with a TTL may be evicted: revocation markers and other keys without expiry stay.
  parameter {
    name  = "maxmemory-policy"
    value = "volatile-lru"
  }

  parameter {
    name  = "slowlog-log-slower-than"
    value = "10000"
  }

  tags = var.tags
}

resource "aws_cloudwatch_log_group" "slow" {
  name              = "/elasticache/${var.name}/slow-log"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn

  tags = var.tags
}

resource "aws_cloudwatch_log_group" "engine" {
  name              = "/elasticache/${var.name}/engine-log"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn

  tags = var.tags
}

# Letters and digits only, so the token needs no escaping inside REDIS_URL.
resource "random_password" "auth_token" {
  length  = 64
  special = false
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id = var.name
  description          = "Cache of ${var.name}"
  engine               = "valkey"
  engine_version       = var.engine_version
  node_type            = var.node_type
  port                 = local.port
  parameter_group_name = aws_elasticache_parameter_group.this.name
  subnet_group_name    = aws_elasticache_subnet_group.this.name
  security_group_ids   = [var.security_group_id]

  cluster_mode               = "enabled"
  num_node_groups            = var.num_node_groups
  replicas_per_node_group    = var.replicas_per_node_group
  automatic_failover_enabled = true
  multi_az_enabled           = true

  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  transit_encryption_enabled = true
  transit_encryption_mode    = "required"
  auth_token                 = random_password.auth_token.result
  auth_token_update_strategy = "ROTATE"

  snapshot_retention_limit   = var.snapshot_retention_limit
  snapshot_window            = var.snapshot_window
  final_snapshot_identifier  = "${var.name}-final"
  maintenance_window         = var.maintenance_window
  auto_minor_version_upgrade = true
  apply_immediately          = false

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.slow.name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.engine.name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "engine-log"
  }

  tags = var.tags

  # Application Auto Scaling owns the replica count after creation.
  lifecycle {
    ignore_changes = [replicas_per_node_group]
  }
}

resource "aws_appautoscaling_target" "replicas" {
  service_namespace  = "elasticache"
  scalable_dimension = "elasticache:replication-group:Replicas"
  resource_id        = "replication-group/${aws_elasticache_replication_group.this.id}"
  min_capacity       = var.min_replicas
  max_capacity       = var.max_replicas
}

resource "aws_appautoscaling_policy" "replicas_cpu" {
  name               = "${var.name}-replica-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.replicas.service_namespace
  scalable_dimension = aws_appautoscaling_target.replicas.scalable_dimension
  resource_id        = aws_appautoscaling_target.replicas.resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.replica_cpu_target
    scale_in_cooldown  = 600
    scale_out_cooldown = 300

    predefined_metric_specification {
      predefined_metric_type = "ElastiCacheReplicaEngineCPUUtilization"
    }
  }
}

resource "aws_secretsmanager_secret" "redis_url" {
  name                    = "${var.name}/redis-url"
  description             = "REDIS_URL of ${var.name}: rediss:// with the AUTH token, injected into the ECS task"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "redis_url" {
  secret_id     = aws_secretsmanager_secret.redis_url.id
  secret_string = "rediss://:${random_password.auth_token.result}@${aws_elasticache_replication_group.this.configuration_endpoint_address}:${local.port}"
}
