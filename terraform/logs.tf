# Log groups. `taskoverflow` receives the app's own log lines (the shipper in both apps writes to
# it); `/ecs/taskoverflow` receives the container's stdout through ECS.

locals {
  app_log_group = "taskoverflow"
}

# The app's shipper creates `taskoverflow` itself when it is missing, so running the app locally
# with Learner Lab credentials (as the handout's "Getting started" does) may already have created
# it. The import block below then adopts that group on the first apply, with its log lines, instead
# of failing with ResourceAlreadyExistsException; when it is missing, the apply creates it. Either
# way Terraform manages it from then on: its retention is set here, a change to it is applied,
# and `terraform destroy` deletes it.
resource "aws_cloudwatch_log_group" "app" {
  name              = local.app_log_group
  retention_in_days = 14
}

# The app's group as it exists now, if it does (a name prefix lists every group starting with it).
data "aws_cloudwatch_log_groups" "app" {
  log_group_name_prefix = local.app_log_group
}

# Adopts the existing group; once it is in the state, this block does nothing.
import {
  for_each = contains(data.aws_cloudwatch_log_groups.app.log_group_names, local.app_log_group) ? toset([local.app_log_group]) : toset([])
  to       = aws_cloudwatch_log_group.app
  id       = each.value
}

resource "aws_cloudwatch_log_group" "container" {
  name              = "/ecs/taskoverflow"
  retention_in_days = 3
}
