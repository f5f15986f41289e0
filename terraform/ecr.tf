# The image registry, and building and pushing the app's image with the local Docker engine.

resource "aws_ecr_repository" "app" {
  name         = "taskoverflow"
  force_delete = true # `terraform destroy` removes the pushed images too

  image_scanning_configuration {
    scan_on_push = true # known vulnerabilities in the image show in the ECR console
  }

  # KMS with the account's AWS-managed key (aws/ecr): no key to create, no charge for it.
  encryption_configuration {
    encryption_type = "KMS"
  }
}

# The CPU architecture the image is built for and the task runs on. "auto" takes this machine's
# where Terraform can read it: Linux (WSL included) describes its CPU in /proc/cpuinfo, with
# "vendor_id" lines on Intel and AMD and "CPU architecture" lines on ARM. macOS has no such file,
# so there "auto" means x86_64, and the preflight (preflight.tf) stops with the line to write when
# Docker on this machine builds the other architecture natively.
locals {
  cpuinfo = fileexists("/proc/cpuinfo") ? file("/proc/cpuinfo") : ""
  host_architecture = (
    length(regexall("(?m)^CPU architecture", local.cpuinfo)) > 0 ? "arm64" :
    length(regexall("(?m)^vendor_id", local.cpuinfo)) > 0 ? "x86_64" : "unknown"
  )
  cpu_architecture = (
    var.cpu_architecture != "auto" ? var.cpu_architecture :
    local.host_architecture == "arm64" ? "arm64" : "x86_64"
  )
  docker_platform  = local.cpu_architecture == "arm64" ? "linux/arm64" : "linux/amd64"
  ecs_architecture = local.cpu_architecture == "arm64" ? "ARM64" : "X86_64"
}

# The image's tag is a hash of every file the image is built from: the Dockerfile and the files
# Docker sends as the build context, which is the repository minus what .dockerignore leaves out.
# The list is worked out from .dockerignore itself, with Docker's rules: a pattern matches a path
# or any folder above it, `*` stays within a folder, `**` spans folders, `!` takes a match back,
# and the last matching line decides. When .dockerignore starts with `*` (everything out) and
# lists what goes in with `!`, only those paths are read, so a large target/ is never walked.
locals {
  context = "${path.module}/.."

  dockerignore = [
    for line in split("\n", file("${local.context}/.dockerignore")) : trimspace(line)
    if trimspace(line) != "" && !startswith(trimspace(line), "#")
  ]
  dockerignore_rules = [
    for line in local.dockerignore : {
      keep    = startswith(line, "!")
      pattern = trimsuffix(trimprefix(trimspace(trimprefix(line, "!")), "/"), "/")
    }
  ]
  # Each pattern as a regular expression over a path relative to the context.
  dockerignore_regexes = [
    for rule in local.dockerignore_rules : {
      keep = rule.keep
      regex = "^${replace(replace(replace(replace(replace(replace(
        replace(rule.pattern, "/[.+()|^$${}]/", "\\$0"),
        "**/", "\u0001"), "**", "\u0002"), "*", "[^/]*"), "?", "[^/]"),
      "\u0001", "(.*/)?"), "\u0002", ".*")}(/.*)?$"
    }
  ]
  excludes_all  = local.dockerignore_rules[0].pattern == "*" && !local.dockerignore_rules[0].keep
  context_roots = local.excludes_all ? [for rule in local.dockerignore_rules : rule.pattern if rule.keep] : ["**"]
  context_candidates = distinct(flatten([
    for root in local.context_roots :
    concat(tolist(fileset(local.context, root)), tolist(fileset(local.context, "${root}/**")))
  ]))
  # For each file, the verdicts of the lines that match it, after a leading "in".
  context_verdicts = {
    for file in local.context_candidates :
    file => concat([true], [for rule in local.dockerignore_regexes : rule.keep if length(regexall(rule.regex, file)) > 0])
  }
  image_sources = sort(concat(["Dockerfile"], [
    for file, verdicts in local.context_verdicts : file if verdicts[length(verdicts) - 1] && file != "Dockerfile"
  ]))

  image_hash = sha256(join("\n", [for file in local.image_sources : "${filesha256("${local.context}/${file}")}  ${file}"]))
  image_tag  = "${var.app}-${local.cpu_architecture}-${substr(local.image_hash, 0, 12)}"
  registry   = split("/", aws_ecr_repository.app.repository_url)[0]
  image      = "${aws_ecr_repository.app.repository_url}:${local.image_tag}"
}

# Needs the AWS CLI and Docker on the machine running Terraform, and a POSIX shell (on Windows:
# run Terraform inside WSL); the preflight checks them before anything is created.
resource "terraform_data" "image" {
  triggers_replace = [local.image]

  provisioner "local-exec" {
    working_dir = path.module
    interpreter = [local.shell, "-c"]
    command     = <<-EOT
      set -e
      aws ecr get-login-password --region ${var.region} | docker login --username AWS --password-stdin ${local.registry}
      docker build --platform ${local.docker_platform} --build-arg APP=${var.app} --tag ${local.image} ..
      docker push ${local.image}
    EOT
  }

  depends_on = [terraform_data.preflight]
}
