output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "IPv4 CIDR of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets (load balancer, NAT gateways)."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnets (ECS tasks)."
  value       = aws_subnet.private[*].id
}

output "database_subnet_ids" {
  description = "Database subnets (RDS, ElastiCache); no route to the internet."
  value       = aws_subnet.database[*].id
}

output "nat_public_ips" {
  description = "Public addresses of the NAT gateways (outbound traffic of the tasks)."
  value       = aws_eip.nat[*].public_ip
}

output "flow_log_group_name" {
  description = "CloudWatch log group holding the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_logs.name
}
