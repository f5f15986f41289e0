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
