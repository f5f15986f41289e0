# The app on ECS Fargate: a cluster, the task (its size comes from task-size.auto.tfvars) and a
# service that keeps it running behind the load balancer.

# The Learner Lab forbids creating IAM roles; every account comes with LabRole, which may pull
# from ECR and write to CloudWatch Logs.
data "aws_iam_role" "lab" {
  name = "LabRole"
}

locals {
  # The memory sizes (MiB) Fargate runs with each CPU size (Linux tasks).
  fargate_memory = {
    "256"   = [512, 1024, 2048]
    "512"   = range(1024, 4096 + 1, 1024)
    "1024"  = range(2048, 8192 + 1, 1024)
    "2048"  = range(4096, 16384 + 1, 1024)
    "4096"  = range(8192, 30720 + 1, 1024)
    "8192"  = range(16384, 61440 + 1, 4096)
    "16384" = range(32768, 122880 + 1, 8192)
  }
  task_memory_choices = lookup(local.fargate_memory, tostring(var.task_cpu), [])
}

resource "aws_ecs_cluster" "main" {
  name = "taskoverflow"
}

locals {
  service_name   = "taskoverflow"
  container_name = "taskoverflow"
  # How long an apply waits for a deployment to become healthy. A healthy one takes a few minutes
  # (image pull, the app's start-up, two passed health checks); a first deployment that cannot
  # become healthy has no earlier one to roll back to, so this bounds how long it hangs.
  deployment_timeout_minutes = 10
}

resource "aws_ecs_task_definition" "app" {
  family                   = "taskoverflow"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory
  task_role_arn            = data.aws_iam_role.lab.arn # the app's own AWS calls (its logs)
  execution_role_arn       = data.aws_iam_role.lab.arn # ECS pulling the image, the password, stdout logs

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = local.ecs_architecture # ecr.tf: x86_64, or arm64 on Graviton
  }

  container_definitions = jsonencode([
    {
      name      = local.container_name
      image     = local.image
      essential = true

      # The app writes no file: its logs go to stdout and CloudWatch, its data to PostgreSQL.
      readonlyRootFilesystem = true

      portMappings = [
        {
          containerPort = 6400
          protocol      = "tcp"
        }
      ]

      environment = [
        { name = "PORT", value = "6400" },
        { name = "DATABASE_URL", value = local.database_url },
        { name = "LOG_GROUP", value = aws_cloudwatch_log_group.app.name },
        { name = "AWS_REGION", value = var.region },
        { name = "RUST_LOG", value = "info" },
      ]

      # The database password, read from Secrets Manager by ECS when the task starts (with
      # LabRole, the execution role) and given to the app as PGPASSWORD, which its PostgreSQL
      # driver uses when DATABASE_URL has no password. The task definition holds only the ARN.
      secrets = [
        { name = "PGPASSWORD", valueFrom = aws_secretsmanager_secret.database_password.arn },
      ]

      # The app ships its own log lines to the taskoverflow group; stdout goes here as well, which
      # shows start-up problems (no database, no credentials) before the app's logs can.
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.container.name
          awslogs-region        = var.region
          awslogs-stream-prefix = "taskoverflow"
        }
      }
    }
  ])

  depends_on = [terraform_data.image, aws_secretsmanager_secret_version.database_password]

  # Fails `terraform plan`, before anything is created, instead of the deployment failing later.
  lifecycle {
    precondition {
      condition     = contains(local.task_memory_choices, var.task_memory)
      error_message = "Fargate does not run a task with ${var.task_cpu} CPU units and ${var.task_memory} MiB: with ${var.task_cpu} CPU units the memory is one of ${join(", ", local.task_memory_choices)} MiB. Change task_memory in task-size.auto.tfvars."
    }
  }
}

resource "aws_ecs_service" "app" {
  name            = local.service_name
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = var.desired_count
  launch_type     = "FARGATE"

  # Start-up waits for the database and runs the migrations before it answers health checks.
  health_check_grace_period_seconds = 90

  # A deployment whose tasks keep failing stops and goes back to the last one that worked,
  # instead of the service starting new tasks for ever. `terraform apply` waits for the
  # deployment to settle, and the postcondition below turns a rollback (the service settled on
  # an older task definition) into a failed apply: on its own, the wait counts a rollback as
  # success. A first deployment has nothing to roll back to: the wait then ends at the timeout
  # below, and terraform_data.deployment_check has already printed why the tasks stopped.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
  wait_for_steady_state = true

  timeouts {
    create = "${local.deployment_timeout_minutes}m"
    update = "${local.deployment_timeout_minutes}m"
  }

  network_configuration {
    subnets          = data.aws_subnets.default.ids
    security_groups  = [aws_security_group.service.id]
    assign_public_ip = true # the default VPC has no NAT: ECR and CloudWatch are reached directly
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name   = local.container_name
    container_port   = 6400
  }

  depends_on = [aws_lb_listener.http]

  lifecycle {
    postcondition {
      condition     = self.task_definition == aws_ecs_task_definition.app.arn
      error_message = "The deployment failed and ECS rolled the service back to its previous task definition: terraform_data.deployment_check above says why the new tasks stopped (their \"Stopped reason\" in the ECS console), and their output is in the log group /ecs/taskoverflow."
    }
  }
}

# Watches each new task definition's deployment while the service above waits for it, and reports
# the first stopped task's reason (scripts/deployment-check.sh). It does not depend on the
# service, so that it runs alongside the service's wait instead of after it.
resource "terraform_data" "deployment_check" {
  triggers_replace = [aws_ecs_task_definition.app.arn]

  provisioner "local-exec" {
    working_dir = path.module
    interpreter = [local.shell]
    command     = "scripts/deployment-check.sh"
    environment = {
      REGION            = var.region
      CLUSTER           = aws_ecs_cluster.main.name
      SERVICE           = local.service_name
      TASK_DEFINITION   = aws_ecs_task_definition.app.arn
      CONTAINER         = local.container_name
      LOG_GROUP         = aws_cloudwatch_log_group.container.name
      LOG_STREAM_PREFIX = "taskoverflow/${local.container_name}"
      TIMEOUT_SECONDS   = local.deployment_timeout_minutes * 60
    }
  }

  depends_on = [aws_lb_listener.http]
}

# Scaling out (optional, off by default): Application Auto Scaling adds tasks when their average
# CPU use stays above the target and removes them when it falls, between desired_count and
# autoscaling_max_count. Each task keeps up to 10 database connections (docs/handout.md, section
# "Back-of-the-envelope capacity").
resource "aws_appautoscaling_target" "service" {
  count = var.autoscaling ? 1 : 0

  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.app.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.desired_count
  max_capacity       = var.autoscaling_max_count

  lifecycle {
    precondition {
      condition     = var.autoscaling_max_count >= var.desired_count
      error_message = "autoscaling_max_count (${var.autoscaling_max_count}) is below desired_count (${var.desired_count})."
    }
  }
}

resource "aws_appautoscaling_policy" "cpu" {
  count = var.autoscaling ? 1 : 0

  name               = "taskoverflow-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.service[0].service_namespace
  resource_id        = aws_appautoscaling_target.service[0].resource_id
  scalable_dimension = aws_appautoscaling_target.service[0].scalable_dimension

  target_tracking_scaling_policy_configuration {
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
    target_value       = var.autoscaling_cpu_target
    scale_out_cooldown = 60
    scale_in_cooldown  = 120
  }
}
