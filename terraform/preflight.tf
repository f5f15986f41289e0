# Checked before anything that costs money or time is created (the database, the load balancer,
# the image build): the AWS CLI, Docker and a shell are there, the Learner Lab credentials work
# and have not expired, the region is one the Learner Lab allows, and Docker builds the chosen CPU
# architecture natively. Each problem is one line of scripts/preflight.sh's output.
#
# It runs again on every apply (the credentials expire with each lab session), so every plan
# lists terraform_data.preflight as replaced: that costs nothing.

locals {
  # The regions the Learner Lab allows (variables.tf validates var.region against the same).
  learner_lab_regions = ["us-east-1", "us-west-2"]
  # The shell every provisioner here runs in.
  shell = "/bin/sh"
}

resource "terraform_data" "preflight" {
  triggers_replace = plantimestamp()

  provisioner "local-exec" {
    working_dir = path.module
    interpreter = [local.shell]
    command     = "scripts/preflight.sh"
    environment = {
      REGION           = var.region
      ALLOWED_REGIONS  = join(" ", local.learner_lab_regions)
      ARCHITECTURE     = local.cpu_architecture
      ARCHITECTURE_SET = var.cpu_architecture == "auto" ? "no" : "yes"
    }
  }

  # Fails `terraform plan`: without /bin/sh (native Windows) no provisioner here can run.
  lifecycle {
    precondition {
      condition     = fileexists(local.shell)
      error_message = "This machine has no /bin/sh: Terraform builds and pushes the image and checks the deployment with shell commands. On Windows, run Terraform inside WSL (Windows Subsystem for Linux)."
    }
  }
}
