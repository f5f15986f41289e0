# The Learner Lab account's default VPC and one default subnet per usable availability zone.

data "aws_vpc" "default" {
  default = true
}

# The zones used, by zone id (zone names such as us-east-1e map to different zones in every
# account). use1-az3 is left out: it lacks many current instance types (t3 among them). Listing
# the zones, rather than excluding one, keeps a zone AWS adds later out until it is listed here.
locals {
  zone_ids = {
    "us-east-1" = ["use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6"]
    "us-west-2" = ["usw2-az1", "usw2-az2", "usw2-az3", "usw2-az4"]
  }
}

data "aws_availability_zones" "usable" {
  state = "available"

  filter {
    name   = "zone-id"
    values = local.zone_ids[var.region]
  }
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
# security group only lets in traffic from the one before it, and the load balancer and the
# service only send to the one after it (the service also to AWS's HTTPS endpoints). The rules
# between two groups are resources of their own: written inside both groups, each group would
# refer to the other, a cycle Terraform cannot create.

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
}

resource "aws_vpc_security_group_egress_rule" "load_balancer_to_service" {
  security_group_id            = aws_security_group.load_balancer.id
  description                  = "To the service's tasks only"
  referenced_security_group_id = aws_security_group.service.id
  ip_protocol                  = "tcp"
  from_port                    = 6400
  to_port                      = 6400
}

# No rules written inside: they are the three resources after it.
resource "aws_security_group" "service" {
  name        = "taskoverflow-service"
  description = "The TaskOverflow ECS tasks: the app port from the load balancer only"
  vpc_id      = data.aws_vpc.default.id
}

resource "aws_vpc_security_group_ingress_rule" "service_from_load_balancer" {
  security_group_id            = aws_security_group.service.id
  description                  = "TaskOverflow API from the load balancer"
  referenced_security_group_id = aws_security_group.load_balancer.id
  ip_protocol                  = "tcp"
  from_port                    = 6400
  to_port                      = 6400
}

# Out to AWS's HTTPS endpoints (ECR and S3 for the image, Secrets Manager for the password,
# CloudWatch Logs for the app's shipper), which the default VPC reaches through the internet.
resource "aws_vpc_security_group_egress_rule" "service_to_aws" {
  security_group_id = aws_security_group.service.id
  description       = "HTTPS to AWS services"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "service_to_database" {
  security_group_id            = aws_security_group.service.id
  description                  = "PostgreSQL, to the database only"
  referenced_security_group_id = aws_security_group.database.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
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
