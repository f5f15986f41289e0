# TaskOverflow app image: the workspace's app that APP names (default starter).
#
#   docker build -t taskoverflow .                          # starter/
# kit-only: begin
#   docker build --build-arg APP=solution -t taskoverflow .  # solution/
#   APP=solution docker compose up --build                  # the same through docker-compose.yml
# kit-only: end
#
# Needs an image registry (rust and debian base images). The CI machine has none and does not build
# this file: it runs the host-built binaries instead (see .ci/run and scripts/build-runtime-image.sh).
#
# Dependency caching without BuildKit-only features (so that docker-compose v1 and the classic
# builder work too): cargo-chef turns the workspace manifests into a recipe, the dependencies are
# compiled from that recipe in their own layer, and only a change to a Cargo.toml or Cargo.lock
# rebuilds them. Editing the app's code recompiles the workspace crates only.

ARG RUST_IMAGE=rust:1-slim-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# --- cargo-chef on the Rust toolchain --------------------------------------------------------------
FROM ${RUST_IMAGE} AS chef
ARG CARGO_CHEF_VERSION=0.1.78
RUN cargo install cargo-chef --locked --version "${CARGO_CHEF_VERSION}" \
    && rm -rf "${CARGO_HOME:-/usr/local/cargo}/registry"
WORKDIR /kit

# --- recipe: the workspace's manifests and lock file only ------------------------------------------
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

# --- build ----------------------------------------------------------------------------------------
FROM chef AS builder
# Which workspace package to build (the binary has the package's name): starter, as handed out.
ARG APP=starter
# The apps use no compile-time-checked sqlx queries; never try to reach a database while compiling.
ENV SQLX_OFFLINE=true
COPY --from=planner /kit/recipe.json recipe.json
# The `deploy` profile (Cargo.toml): the optimised build the task sizes were measured with.
RUN cargo chef cook --profile deploy --locked --package "${APP}" --recipe-path recipe.json
COPY . .
RUN cargo build --profile deploy --locked --package "${APP}" --bin "${APP}" \
    && install -D -m 0755 "target/deploy/${APP}" "/out/${APP}"

# --- runtime --------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime
ARG APP=starter
# ca-certificates for HTTPS to AWS; the app runs as an unprivileged user whose home holds the
# read-only ~/.aws that docker-compose.yml mounts. UID 1000 is the usual UID of the first user of a
# Linux machine, so a bind-mounted ~/.aws with mode 600 stays readable.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 1000 taskoverflow \
    && useradd --uid 1000 --gid 1000 --create-home --home-dir /home/taskoverflow \
        --shell /usr/sbin/nologin taskoverflow
COPY --from=builder /out/ /usr/local/bin/
# One fixed entrypoint name for both apps (exec form cannot expand ${APP}).
RUN ln -s "/usr/local/bin/${APP}" /usr/local/bin/taskoverflow
LABEL org.opencontainers.image.title="TaskOverflow (${APP})" \
      org.opencontainers.image.description="TaskOverflow to-do API for the logging, load testing and bottlenecks lab"
USER taskoverflow
WORKDIR /home/taskoverflow
ENV PORT=6400 \
    LOG_GROUP=taskoverflow \
    RUST_LOG=info
EXPOSE 6400
ENTRYPOINT ["/usr/local/bin/taskoverflow"]
