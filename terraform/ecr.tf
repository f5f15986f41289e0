# The image registry, and building and pushing the app's image with the local Docker engine.

resource "aws_ecr_repository" "app" {
  name         = "taskoverflow"
  force_delete = true # `terraform destroy` removes the pushed images too

  image_scanning_configuration {
    scan_on_push = true # known vulnerabilities in the image show in the ECR console
  }
}

locals {
  repository_root = "${path.module}/.."

  # Everything the image is built from: a change to any of these files gives a new image tag, so
  # the next `terraform apply` builds, pushes and deploys again.
  image_sources = sort(setunion(
    fileset(local.repository_root, "{Dockerfile,Cargo.toml,Cargo.lock}"),
    fileset(local.repository_root, "{${var.app},shipper}/**"),
  ))
  image_hash = sha1(join("", [for file in local.image_sources : filesha1("${local.repository_root}/${file}")]))

  registry = split("/", aws_ecr_repository.app.repository_url)[0]
  image    = "${aws_ecr_repository.app.repository_url}:${var.app}-${substr(local.image_hash, 0, 12)}"
}

# Needs the AWS CLI and Docker on the machine running Terraform, and a POSIX shell (on Windows:
# run Terraform inside WSL). Fargate runs linux/amd64, so the image is built for it on any host.
resource "terraform_data" "image" {
  triggers_replace = [local.image]

  provisioner "local-exec" {
    working_dir = path.module
    interpreter = ["/bin/sh", "-c"]
    command     = <<-EOT
      set -e
      aws ecr get-login-password --region ${var.region} | docker login --username AWS --password-stdin ${local.registry}
      docker build --platform linux/amd64 --build-arg APP=${var.app} --tag ${local.image} ..
      docker push ${local.image}
    EOT
  }
}
