# The handout's CloudWatch Logs Insights queries, saved in the console under "taskoverflow/"
# (Logs Insights -> Saved queries). They read the solution's JSON log lines: timestamp, level,
# location, message, hostname, request_id, method, url, status and latency_ms. The load
# balancer's health checks (GET /api/v1/health, every 15 s per task) are left out of the counts.

locals {
  # Every line one request wrote, in order. Paste a request id (from a response's x-request-id
  # header, or from the other queries) between the quotes.
  query_follow_request = <<-EOT
    fields @timestamp, level, location, message, method, url, status, latency_ms, hostname
    | filter request_id = "paste-a-request-id-here"
    | sort @timestamp asc
    | limit 500
  EOT

  # How long requests take, minute by minute: the median and the slow tail.
  query_latency_percentiles = <<-EOT
    filter message = "Request finished" and url != "/api/v1/health"
    | stats pct(latency_ms, 50) as p50, pct(latency_ms, 95) as p95, pct(latency_ms, 99) as p99 by bin(1m)
  EOT

  # How many responses of each status, minute by minute.
  query_status_counts = <<-EOT
    filter message = "Request finished" and url != "/api/v1/health"
    | stats count(*) as responses by status, bin(1m)
  EOT

  # Which requests fail, and how often.
  query_errors = <<-EOT
    filter message = "Request finished" and status >= 400 and url != "/api/v1/health"
    | stats count(*) as responses by status, method, url
    | sort responses desc
    | limit 100
  EOT
}

resource "aws_cloudwatch_query_definition" "follow_request" {
  name            = "taskoverflow/follow-one-request"
  log_group_names = [aws_cloudwatch_log_group.app.name]
  query_string    = local.query_follow_request
}

resource "aws_cloudwatch_query_definition" "latency_percentiles" {
  name            = "taskoverflow/latency-percentiles-per-minute"
  log_group_names = [aws_cloudwatch_log_group.app.name]
  query_string    = local.query_latency_percentiles
}

resource "aws_cloudwatch_query_definition" "status_counts" {
  name            = "taskoverflow/responses-by-status-per-minute"
  log_group_names = [aws_cloudwatch_log_group.app.name]
  query_string    = local.query_status_counts
}

resource "aws_cloudwatch_query_definition" "errors" {
  name            = "taskoverflow/errors-by-status-and-url"
  log_group_names = [aws_cloudwatch_log_group.app.name]
  query_string    = local.query_errors
}
