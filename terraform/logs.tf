# Log groups. `taskoverflow` receives the app's own log lines (the shipper in both apps writes to
# it); `/ecs/taskoverflow` receives the container's stdout through ECS.

locals {
  app_log_group = "taskoverflow"
}

# The app's shipper creates `taskoverflow` itself when it is missing, so running the app locally
# with Learner Lab credentials (as the handout's "Getting started" does) may already have created
# it. A plain aws_cloudwatch_log_group would then fail the first `terraform apply` with
# ResourceAlreadyExistsException. Instead, the apply creates the group unless it exists (keeping
# what it holds), sets its retention either way, and `terraform destroy` deletes it.
resource "terraform_data" "app_log_group" {
  input = {
    name           = local.app_log_group
    region         = var.region
    retention_days = 14
  }

  provisioner "local-exec" {
    interpreter = ["/bin/sh", "-c"]
    environment = {
      GROUP  = self.input.name
      REGION = self.input.region
      DAYS   = self.input.retention_days
    }
    command = <<-EOT
      set -e
      if ! out=$(aws logs create-log-group --region "$REGION" --log-group-name "$GROUP" 2>&1); then
        case "$out" in
          *ResourceAlreadyExistsException*) echo "The log group $GROUP exists already: keeping it and its log lines." ;;
          *) echo "$out" >&2; exit 1 ;;
        esac
      fi
      aws logs put-retention-policy --region "$REGION" --log-group-name "$GROUP" --retention-in-days "$DAYS"
    EOT
  }

  provisioner "local-exec" {
    when        = destroy
    interpreter = ["/bin/sh", "-c"]
    environment = {
      GROUP  = self.input.name
      REGION = self.input.region
    }
    command = <<-EOT
      if ! out=$(aws logs delete-log-group --region "$REGION" --log-group-name "$GROUP" 2>&1); then
        case "$out" in
          *ResourceNotFoundException*) echo "The log group $GROUP is gone already." ;;
          *) echo "$out" >&2; exit 1 ;;
        esac
      fi
    EOT
  }
}

resource "aws_cloudwatch_log_group" "container" {
  name              = "/ecs/taskoverflow"
  retention_in_days = 3
}
