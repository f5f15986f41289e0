# Run by `terraform apply` (preflight.tf) before anything is created: is this machine ready to
# build and push the image, and do the Learner Lab credentials work? One line per problem, then
# exit status 1, so that the apply stops before it costs anything.
#
# Environment (set by preflight.tf): REGION, ALLOWED_REGIONS (space-separated), ARCHITECTURE
# (x86_64 or arm64: what the task runs on) and ARCHITECTURE_SET (yes when cpu_architecture was
# chosen, no when "auto" picked it).
#
# Only shell built-ins besides `aws` and `docker`, so that it runs the same in the kit's test,
# whose PATH holds nothing but stand-ins for those two.

failed=0
problem() {
    printf 'preflight: %s\n' "$*" >&2
    failed=1
}
newline='
'
first_line() {
    printf '%s' "${1%%"$newline"*}"
}

case " $ALLOWED_REGIONS " in
*" $REGION "*) ;;
*) problem "region $REGION: the Learner Lab only allows $ALLOWED_REGIONS; set region to one of them" ;;
esac

account=""
if ! command -v aws >/dev/null 2>&1; then
    problem "the AWS CLI (aws) is not installed or not on PATH: install AWS CLI version 2, then check it with 'aws --version'"
elif ! output=$(aws sts get-caller-identity --region "$REGION" --query Account --output text 2>&1); then
    case "$output" in
    *ExpiredToken* | *"token included in the request is expired"*)
        problem "the AWS credentials have expired (each Learner Lab session ends them): copy them again from AWS Details into ~/.aws/credentials" ;;
    *"Unable to locate credentials"* | *NoCredentialProviders* | *"could not be found"*)
        problem "no AWS credentials found: copy them from the Learner Lab's AWS Details into ~/.aws/credentials" ;;
    *InvalidClientTokenId* | *SignatureDoesNotMatch* | *UnrecognizedClient* | *AuthFailure*)
        problem "the AWS credentials are not valid: copy all three lines again from the Learner Lab's AWS Details into ~/.aws/credentials" ;;
    *)
        problem "'aws sts get-caller-identity' failed, so the AWS CLI cannot reach your account: $(first_line "$output")" ;;
    esac
else
    account=$output
fi

native=""
if ! command -v docker >/dev/null 2>&1; then
    problem "Docker (docker) is not installed or not on PATH: install Docker Desktop or Docker Engine"
elif ! engine=$(docker version --format '{{.Server.Arch}}' 2>/dev/null) || [ -z "$engine" ]; then
    problem "Docker is installed but its engine is not running: start Docker Desktop (or the docker service), then apply again"
else
    case "$engine" in
    amd64 | x86_64) native=x86_64 ;;
    arm64 | aarch64) native=arm64 ;;
    *) native=$engine ;;
    esac
    if [ "$native" != "$ARCHITECTURE" ] && [ "$ARCHITECTURE_SET" != yes ]; then
        problem "Docker here builds $native images natively, but cpu_architecture \"auto\" chose $ARCHITECTURE, which Docker would emulate (slowly): apply with -var cpu_architecture=$native (or write cpu_architecture = \"$native\" into terraform.tfvars)"
    fi
fi

if [ "$failed" -ne 0 ]; then
    exit 1
fi
printf 'preflight: ready: AWS account %s, region %s, Docker builds %s natively, the task runs on %s\n' \
    "$account" "$REGION" "$native" "$ARCHITECTURE"
