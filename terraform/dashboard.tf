# A CloudWatch dashboard to keep open while k6 runs: latency percentiles, responses by status and
# the failing requests, from the app's JSON logs (Logs Insights widgets), and what the load
# balancer itself answered: its own 502, 503 and 504 (no task to send to, or a task that did not
# answer in time) never reach the app or its logs, but k6 sees them. The load balancer's metrics
# are free; its access logs are not kept (.checkov.yaml, CKV_AWS_91).

resource "aws_cloudwatch_dashboard" "main" {
  dashboard_name = "taskoverflow"

  dashboard_body = jsonencode({
    widgets = [
      {
        type   = "log"
        x      = 0
        y      = 0
        width  = 12
        height = 8
        properties = {
          title   = "Latency percentiles per minute (ms)"
          region  = var.region
          view    = "timeSeries"
          stacked = false
          query   = "SOURCE '${aws_cloudwatch_log_group.app.name}' | ${local.query_latency_percentiles}"
        }
      },
      {
        type   = "log"
        x      = 12
        y      = 0
        width  = 12
        height = 8
        properties = {
          title   = "Responses by status per minute"
          region  = var.region
          view    = "timeSeries"
          stacked = true
          query   = "SOURCE '${aws_cloudwatch_log_group.app.name}' | ${local.query_status_counts}"
        }
      },
      {
        type   = "log"
        x      = 0
        y      = 8
        width  = 24
        height = 8
        properties = {
          title  = "Errors by status and URL"
          region = var.region
          view   = "table"
          query  = "SOURCE '${aws_cloudwatch_log_group.app.name}' | ${local.query_errors}"
        }
      },
      {
        type   = "metric"
        x      = 0
        y      = 16
        width  = 24
        height = 8
        properties = {
          title   = "Load balancer: requests, its own 5xx, the app's 5xx (per minute)"
          region  = var.region
          view    = "timeSeries"
          stacked = false
          stat    = "Sum"
          period  = 60
          metrics = [
            ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", aws_lb.app.arn_suffix],
            ["AWS/ApplicationELB", "HTTPCode_ELB_502_Count", "LoadBalancer", aws_lb.app.arn_suffix],
            ["AWS/ApplicationELB", "HTTPCode_ELB_503_Count", "LoadBalancer", aws_lb.app.arn_suffix],
            ["AWS/ApplicationELB", "HTTPCode_ELB_504_Count", "LoadBalancer", aws_lb.app.arn_suffix],
            ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", aws_lb.app.arn_suffix],
          ]
        }
      },
    ]
  })
}
