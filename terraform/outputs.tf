output "endpoint" {
  description = "Base URL of the deployed API: give it to k6 as ENDPOINT."
  value       = "http://${aws_lb.app.dns_name}"
}

output "dashboard" {
  description = "The CloudWatch dashboard with the latency and status widgets."
  value       = "https://${var.region}.console.aws.amazon.com/cloudwatch/home?region=${var.region}#dashboards/dashboard/${aws_cloudwatch_dashboard.main.dashboard_name}"
}

output "log_group" {
  description = "The CloudWatch log group the app writes its log lines to."
  value       = aws_cloudwatch_log_group.app.name
}

output "ecr_repository_url" {
  description = "The ECR repository the app's images are pushed to."
  value       = aws_ecr_repository.app.repository_url
}

output "ecs_cluster" {
  description = "The ECS cluster's name (ECS console, or aws ecs describe-services --cluster)."
  value       = aws_ecs_cluster.main.name
}

output "ecs_service" {
  description = "The ECS service's name."
  value       = aws_ecs_service.app.name
}
