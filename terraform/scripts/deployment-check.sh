# Run by `terraform apply` (ecs.tf, terraform_data.deployment_check) while the service deploys a
# new task definition: it waits until the deployment is complete, and as soon as one of the new
# tasks stops it prints why (the task's stopped reason, the container's exit code and where its
# output is) and exits with status 1. The apply still waits for the service (at most its create or
# update timeout), but the reason is on screen within minutes of the first failed task.
#
# Environment (set by ecs.tf): REGION, CLUSTER, SERVICE, TASK_DEFINITION (the new task
# definition's ARN), CONTAINER, LOG_GROUP, LOG_STREAM_PREFIX (the container's awslogs stream
# prefix), TIMEOUT_SECONDS; POLL_SECONDS (default 15) is how long to wait between two looks.
#
# Only shell built-ins besides `aws` (and `sleep` between two looks), so that the kit's test runs
# it with a stand-in aws as the only program on PATH.

poll=${POLL_SECONDS:-15}
if [ "$poll" -gt 0 ]; then
    looks=$((TIMEOUT_SECONDS / poll + 1))
else
    looks=$TIMEOUT_SECONDS
fi
tab=$(printf '\t')
revision=${TASK_DEFINITION##*/}

ecs() {
    aws ecs "$@" --region "$REGION" --cluster "$CLUSTER" --output text
}
stopped_tasks() {
    ecs list-tasks --service-name "$SERVICE" --desired-status STOPPED --query taskArns
}

# Tasks that had stopped before this deployment (an earlier try with the same task definition)
# are not this deployment's failures.
if ! before=$(stopped_tasks 2>&1); then
    printf 'deployment check: cannot list the service'"'"'s tasks: %s\n' "$before" >&2
    exit 1
fi
# shellcheck disable=SC2086 # split the ARNs (separated by tabs) on purpose
set -- $before
before=" $* "

look=0
while [ "$look" -lt "$looks" ]; do
    look=$((look + 1))
    state=$(ecs describe-services --services "$SERVICE" \
        --query "services[0].deployments[?taskDefinition=='$TASK_DEFINITION'].rolloutState | [0]" 2>/dev/null) || state=""
    if [ "$state" = COMPLETED ]; then
        printf 'deployment check: %s is deployed and healthy\n' "$revision"
        exit 0
    fi

    new=""
    for task in $(stopped_tasks 2>/dev/null); do
        case "$before" in
        *" $task "*) ;;
        *) new="$new $task" ;;
        esac
    done
    if [ -n "$new" ] || [ "$state" = FAILED ]; then
        printf 'deployment check: the new tasks of %s stop instead of becoming healthy.\n' "$revision" >&2
        reported=0
        for task in $new; do
            details=$(ecs describe-tasks --tasks "$task" \
                --query "tasks[?taskDefinitionArn=='$TASK_DEFINITION'] | [0].[stopCode, stoppedReason, containers[?name=='$CONTAINER'] | [0].exitCode, containers[?name=='$CONTAINER'] | [0].reason]" \
                2>/dev/null) || continue
            IFS=$tab read -r code reason exit_code container_reason <<END
$details
END
            [ "$code" = None ] && [ "$reason" = None ] && continue
            id=${task##*/}
            printf '  task %s: %s (%s)' "$id" "$reason" "$code" >&2
            [ "$exit_code" != None ] && [ -n "$exit_code" ] && printf ', the container exited with %s' "$exit_code" >&2
            [ "$container_reason" != None ] && [ -n "$container_reason" ] && printf ', %s' "$container_reason" >&2
            printf '\n  its output: log group %s, stream %s/%s (aws logs tail %s --log-stream-names %s/%s --region %s)\n' \
                "$LOG_GROUP" "$LOG_STREAM_PREFIX" "$id" "$LOG_GROUP" "$LOG_STREAM_PREFIX" "$id" "$REGION" >&2
            reported=$((reported + 1))
            [ "$reported" -ge 3 ] && break
        done
        printf '  more in the ECS console: cluster %s, service %s, Tasks, filter "Stopped".\n' "$CLUSTER" "$SERVICE" >&2
        exit 1
    fi

    if [ "$poll" -gt 0 ]; then
        sleep "$poll"
    fi
done
printf 'deployment check: %s was not healthy after %s s and no task of it stopped: see the target group'"'"'s health checks (EC2 console, Target groups, taskoverflow) and the log group %s\n' \
    "$revision" "$TIMEOUT_SECONDS" "$LOG_GROUP" >&2
exit 1
