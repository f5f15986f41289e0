# The app on ECS Fargate: a cluster, the task (its size comes from task-size.auto.tfvars) and a
# service that keeps it running behind the load balancer.

# The Learner Lab forbids creating IAM roles; every account comes with LabRole, which may pull
# from ECR and write to CloudWatch Logs.
data "aws_iam_role" "lab" {
  name = "LabRole"
}

resource "aws_ecs_cluster" "main" {
  name = "taskoverflow"
}

resource "aws_ecs_task_definition" "app" {
  family                   = "taskoverflow"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory
  task_role_arn            = data.aws_iam_role.lab.arn # the app's own AWS calls (its logs)
  execution_role_arn       = data.aws_iam_role.lab.arn # ECS pulling the image, stdout logs

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  container_definitions = jsonencode([
    {
      name      = "taskoverflow"
      image     = local.image
      essential = true

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

  depends_on = [terraform_data.image]
}

resource "aws_ecs_service" "app" {
  name            = "taskoverflow"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = var.desired_count
  launch_type     = "FARGATE"

  # Start-up waits for the database and runs the migrations before it answers health checks.
  health_check_grace_period_seconds = 90

  network_configuration {
    subnets          = data.aws_subnets.default.ids
    security_groups  = [aws_security_group.service.id]
    assign_public_ip = true # the default VPC has no NAT: ECR and CloudWatch are reached directly
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name   = "taskoverflow"
    container_port   = 6400
  }

  depends_on = [aws_lb_listener.http]
}
