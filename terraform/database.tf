# PostgreSQL on RDS, reachable from the service's security group only.

# Generated on apply, kept in the Terraform state and in Secrets Manager (below), never in a file
# or in the task definition. Letters and digits only, so that it needs no quoting anywhere.
resource "random_password" "database" {
  length  = 32
  special = false
}

# The password for the app: the task definition names this secret, and ECS reads it when a task
# starts (as LabRole) and hands it to the app as PGPASSWORD. Encrypted with the account's
# AWS-managed key (aws/secretsmanager). No recovery window: `terraform destroy` deletes it at
# once, so that the next apply can create it again under the same name.
resource "aws_secretsmanager_secret" "database_password" {
  name                    = "taskoverflow/database-password"
  description             = "Password of the TaskOverflow database's master user (PGPASSWORD of the ECS task)"
  recovery_window_in_days = 0
}

resource "aws_secretsmanager_secret_version" "database_password" {
  secret_id     = aws_secretsmanager_secret.database_password.id
  secret_string = random_password.database.result
}

resource "aws_db_subnet_group" "main" {
  name       = "taskoverflow"
  subnet_ids = data.aws_subnets.default.ids
}

# The database refuses connections without TLS (the default of RDS for PostgreSQL 15 and later,
# written here so that it stays so); the app asks for TLS with sslmode=require in DATABASE_URL.
resource "aws_db_parameter_group" "main" {
  name   = "taskoverflow-postgres16"
  family = "postgres16"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
}

resource "aws_db_instance" "main" {
  identifier     = "taskoverflow"
  engine         = "postgres"
  engine_version = "16"
  instance_class = "db.t3.micro"

  allocated_storage = 20
  storage_type      = "gp2"
  storage_encrypted = true # with the account's AWS-managed key: no cost

  auto_minor_version_upgrade = true
  copy_tags_to_snapshot      = true

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

  depends_on = [terraform_data.preflight]
}

# No password in the URL: the app's PostgreSQL driver (sqlx, like libpq) takes it from
# PGPASSWORD, which the task gets from the secret above. sslmode=require: encrypted, without
# checking the server's certificate against the RDS CA (the image does not carry Amazon's CA
# bundle); the database is reachable from the service only. var.db_username is validated to need
# no escaping in the URL.
locals {
  database_url = "postgres://${var.db_username}@${aws_db_instance.main.address}:${aws_db_instance.main.port}/${aws_db_instance.main.db_name}?sslmode=require"
}
