# Log groups. `taskoverflow` receives the app's own log lines (the shipper in both apps writes to
# it); `/ecs/taskoverflow` receives the container's stdout through ECS.

resource "aws_cloudwatch_log_group" "app" {
  name              = "taskoverflow"
  retention_in_days = 14
}

resource "aws_cloudwatch_log_group" "container" {
  name              = "/ecs/taskoverflow"
  retention_in_days = 3
}
