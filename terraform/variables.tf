variable "region" {
  description = "AWS region to deploy to. The Learner Lab's resources live in us-east-1."
  type        = string
  default     = "us-east-1"
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

# The task size has no default on purpose: it is set in task-size.auto.tfvars, the one file to
# change.
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
  description = "How many copies of the task the service keeps running."
  type        = number
  default     = 1
}

variable "db_username" {
  description = "Name of the database's master user (the password is generated)."
  type        = string
  default     = "taskoverflow"
}
