# The size of one Fargate task running TaskOverflow: task_cpu in CPU units (1024 units = 1 vCPU),
# task_memory in MiB. Fargate only runs some combinations of the two (docs/handout.md).
task_cpu    = 256
task_memory = 512
