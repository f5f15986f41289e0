# PostgreSQL on RDS, reachable from the service's security group only.

# Generated on apply and kept in the Terraform state, never in a file. Letters and digits only,
# because it is put into the postgres:// URL as it is.
resource "random_password" "database" {
  length  = 32
  special = false
}

resource "aws_db_subnet_group" "main" {
  name       = "taskoverflow"
  subnet_ids = data.aws_subnets.default.ids
}

# The apps' PostgreSQL driver is built without TLS, and RDS for PostgreSQL 15 and later refuses
# unencrypted connections unless rds.force_ssl is 0. The traffic stays inside the VPC.
resource "aws_db_parameter_group" "main" {
  name   = "taskoverflow-postgres16"
  family = "postgres16"

  parameter {
    name  = "rds.force_ssl"
    value = "0"
  }
}

resource "aws_db_instance" "main" {
  identifier     = "taskoverflow"
  engine         = "postgres"
  engine_version = "16"
  instance_class = "db.t3.micro"

  allocated_storage = 20
  storage_type      = "gp2"

  db_name  = "taskoverflow"
  username = var.db_username
  password = random_password.database.result

  db_subnet_group_name   = aws_db_subnet_group.main.name
  parameter_group_name   = aws_db_parameter_group.main.name
  vpc_security_group_ids = [aws_security_group.database.id]
  publicly_accessible    = false

  # A lab database: no backups, nothing kept on `terraform destroy`.
  backup_retention_period = 0
  skip_final_snapshot     = true
  apply_immediately       = true
}

locals {
  database_url = "postgres://${var.db_username}:${random_password.database.result}@${aws_db_instance.main.address}:${aws_db_instance.main.port}/${aws_db_instance.main.db_name}?sslmode=disable"
}
