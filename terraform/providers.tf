# Terraform itself and the providers it downloads on `terraform init`. The versions are exact, and
# .terraform.lock.hcl (committed) holds their checksums: every student gets the same providers.
# Terraform 1.7 or later: logs.tf adopts an existing log group with an `import` block that has a
# `for_each`, which Terraform 1.7 introduced.
terraform {
  required_version = ">= 1.7.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "3.7.2"
    }
  }
}

# Credentials come from ~/.aws/credentials (copied from the Learner Lab's "AWS Details"), the
# region from var.region: the Learner Lab works in us-east-1.
provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project = "taskoverflow"
    }
  }
}
