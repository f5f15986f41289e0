# The public entrance: an application load balancer on port 80 in front of the service's tasks.

resource "aws_lb" "app" {
  name               = "taskoverflow"
  load_balancer_type = "application"
  internal           = false
  security_groups    = [aws_security_group.load_balancer.id]
  subnets            = data.aws_subnets.default.ids

  drop_invalid_header_fields = true # requests with malformed header names never reach the app

  depends_on = [terraform_data.preflight]
}

resource "aws_lb_target_group" "app" {
  name        = "taskoverflow"
  port        = 6400
  protocol    = "HTTP"
  target_type = "ip" # Fargate tasks register by their own IP address
  vpc_id      = data.aws_vpc.default.id

  deregistration_delay = 15

  health_check {
    path                = "/api/v1/health"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.app.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}
