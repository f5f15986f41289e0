# The Learner Lab account's default VPC and one default subnet per usable availability zone.

data "aws_vpc" "default" {
  default = true
}

# use1-az3 lacks many current instance types (t3 among them), so nothing is placed there. Zone
# names such as us-east-1e map to different zone ids in every account, hence the zone id.
data "aws_availability_zones" "usable" {
  state            = "available"
  exclude_zone_ids = ["use1-az3"]
}

data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }

  filter {
    name   = "default-for-az"
    values = ["true"]
  }

  filter {
    name   = "availability-zone-id"
    values = data.aws_availability_zones.usable.zone_ids
  }
}

# Internet -> load balancer (port 80) -> service (port 6400) -> database (port 5432): each
# security group only lets in traffic from the one before it.

resource "aws_security_group" "load_balancer" {
  name        = "taskoverflow-load-balancer"
  description = "HTTP from anywhere to the TaskOverflow load balancer"
  vpc_id      = data.aws_vpc.default.id

  ingress {
    description = "HTTP"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    description = "To the service's tasks"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "service" {
  name        = "taskoverflow-service"
  description = "The TaskOverflow ECS tasks: the app port from the load balancer only"
  vpc_id      = data.aws_vpc.default.id

  ingress {
    description     = "TaskOverflow API from the load balancer"
    from_port       = 6400
    to_port         = 6400
    protocol        = "tcp"
    security_groups = [aws_security_group.load_balancer.id]
  }

  # Out to ECR (image pull), CloudWatch Logs (the app's shipper) and the database.
  egress {
    description = "Anywhere"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "database" {
  name        = "taskoverflow-database"
  description = "PostgreSQL from the TaskOverflow service only"
  vpc_id      = data.aws_vpc.default.id

  ingress {
    description     = "PostgreSQL from the service's tasks"
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [aws_security_group.service.id]
  }
}
