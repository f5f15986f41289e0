variable "region" {
  description = "AWS region to deploy to. The Learner Lab works in us-east-1 (and us-west-2)."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = contains(["us-east-1", "us-west-2"], var.region)
    error_message = "The Learner Lab only lets you use the regions us-east-1 and us-west-2."
  }
}

# kit-only: begin
variable "app" {
  description = "Which app the image is built from: starter (your work) or solution (the kit's)."
  type        = string
  default     = "starter"

  validation {
    condition     = contains(["starter", "solution"], var.app)
    error_message = "The app must be \"starter\" or \"solution\"."
  }
}
# kit-only: end
# student-edition: begin
# variable "app" {
#   description = "Which app the image is built from: starter, your work."
#   type        = string
#   default     = "starter"
#
#   validation {
#     condition     = var.app == "starter"
#     error_message = "The app is \"starter\"."
#   }
# }
# student-edition: end

variable "cpu_architecture" {
  description = "CPU architecture of the image and the Fargate task: \"x86_64\" (Intel and AMD), \"arm64\" (Graviton; what an Apple Silicon Mac builds natively) or \"auto\" (this machine's, where Terraform can read it: Linux and WSL; elsewhere x86_64)."
  type        = string
  default     = "auto"

  validation {
    condition     = contains(["auto", "x86_64", "arm64"], var.cpu_architecture)
    error_message = "cpu_architecture is \"auto\", \"x86_64\" or \"arm64\"."
  }
}

# The task size has no default on purpose: it is set in task-size.auto.tfvars, the one file to
# change. Which memory sizes go with a CPU size is checked in ecs.tf, before anything is created.
variable "task_cpu" {
  description = "CPU of one Fargate task, in CPU units (1024 units are one vCPU)."
  type        = number

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.task_cpu)
    error_message = "Fargate tasks have 256, 512, 1024, 2048, 4096, 8192 or 16384 CPU units."
  }
}

variable "task_memory" {
  description = "Memory of one Fargate task, in MiB. Which values are allowed depends on task_cpu."
  type        = number
}

variable "desired_count" {
  description = "How many copies of the task the service runs (the fewest, with autoscaling on)."
  type        = number
  default     = 1

  validation {
    condition     = var.desired_count >= 1 && var.desired_count <= 10
    error_message = "Run 1 to 10 tasks: each keeps up to 10 database connections, and the db.t3.micro takes about 100."
  }
}

variable "autoscaling" {
  description = "Add and remove tasks by their CPU use (between desired_count and autoscaling_max_count)."
  type        = bool
  default     = false
}

variable "autoscaling_max_count" {
  description = "With autoscaling on: the most tasks the service grows to."
  type        = number
  default     = 4

  validation {
    condition     = var.autoscaling_max_count >= 1 && var.autoscaling_max_count <= 10
    error_message = "At most 10 tasks: each keeps up to 10 database connections, and the db.t3.micro takes about 100."
  }
}

variable "autoscaling_cpu_target" {
  description = "With autoscaling on: the average CPU use (percent) the service keeps its tasks at."
  type        = number
  default     = 60

  validation {
    condition     = var.autoscaling_cpu_target >= 10 && var.autoscaling_cpu_target <= 90
    error_message = "The CPU target is a percentage between 10 and 90."
  }
}

variable "db_username" {
  description = "Name of the database's master user (the password is generated)."
  type        = string
  default     = "taskoverflow"

  # It goes into DATABASE_URL as it is, so it may hold nothing a URL would have to escape.
  validation {
    condition     = length(regexall("^[a-z][a-z0-9_]{0,62}$", var.db_username)) > 0 && length(regexall("^(rds|pg_)", var.db_username)) == 0
    error_message = "The database user name is 1 to 63 lower-case letters, digits or underscores, starts with a letter, and does not start with \"rds\" or \"pg_\" (RDS and PostgreSQL keep those)."
  }
}
