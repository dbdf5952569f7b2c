output "arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "arn_suffix" {
  description = "ARN suffix of the load balancer (the LoadBalancer metric dimension)."
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "DNS name to point the service's host name at."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Hosted zone of the load balancer, for alias records."
  value       = aws_lb.this.zone_id
}

output "https_listener_arn" {
  description = "Production listener CodeDeploy shifts traffic on."
  value       = aws_lb_listener.https.arn
}

output "test_listener_arn" {
  description = "Test listener CodeDeploy routes to the replacement task set."
  value       = aws_lb_listener.test.arn
}

output "blue_target_group_arn" {
  description = "Target group serving production traffic at creation."
  value       = aws_lb_target_group.blue.arn
}

output "blue_target_group_name" {
  description = "Name of the blue target group."
  value       = aws_lb_target_group.blue.name
}

output "green_target_group_name" {
  description = "Name of the green target group."
  value       = aws_lb_target_group.green.name
}

output "target_group_arn_suffixes" {
  description = "ARN suffixes of both target groups (the TargetGroup metric dimension)."
  value       = { blue = aws_lb_target_group.blue.arn_suffix, green = aws_lb_target_group.green.arn_suffix }
}
