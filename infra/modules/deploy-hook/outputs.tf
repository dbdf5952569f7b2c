output "function_name" {
  description = "Name of the AfterAllowTestTraffic hook function (appspec Hooks), CodeDeployHook_* so CodeDeploy may invoke it."
  value       = aws_lambda_function.hook.function_name
}

output "smoke_client_secret_arn" {
  description = "Secret navius/<environment>/smoke-client the pipeline's verify jobs read."
  value       = aws_secretsmanager_secret.smoke_client.arn
}
