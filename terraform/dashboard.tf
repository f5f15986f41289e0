# A CloudWatch dashboard to keep open while k6 runs: latency percentiles, responses by status and
# the failing requests, all from the app's JSON logs (Logs Insights widgets).

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
          query   = "SOURCE '${terraform_data.app_log_group.output.name}' | ${local.query_latency_percentiles}"
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
          query   = "SOURCE '${terraform_data.app_log_group.output.name}' | ${local.query_status_counts}"
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
          query  = "SOURCE '${terraform_data.app_log_group.output.name}' | ${local.query_errors}"
        }
      },
    ]
  })
}
