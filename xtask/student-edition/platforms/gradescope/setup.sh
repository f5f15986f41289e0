#!/usr/bin/env bash
# TaskOverflow lab: Gradescope's setup, run once as root while Gradescope builds the autograder's
# image (this archive unpacked in /autograder/source). It installs what the checks need, builds
# the grading command from the teacher's copy of the template (template/) together with the
# app's dependencies, so that a grading compiles only the student's own crate, and prepares an
# unprivileged user and a PostgreSQL cluster for the gradings (Gradescope's containers have no
# Docker). Each install is skipped when the image already has the program.
set -euo pipefail
SOURCE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HOME_DIR=/opt/taskoverflow
export DEBIAN_FRONTEND=noninteractive
export RUSTUP_HOME=${RUSTUP_HOME:-/opt/rust/rustup}
export PATH=/opt/rust/cargo/bin:$HOME_DIR/tools/bin:$PATH
say() { printf 'taskoverflow setup: %s\n' "$*"; }

# 1. Packages: a C toolchain (crates with C code), curl and gpg for the installs below, git,
#    PostgreSQL, Python for moto, runuser.
packages=()
for pair in cc:build-essential pkg-config:pkg-config curl:curl gpg:gnupg git:git \
    python3:python3 runuser:util-linux ps:procps; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || packages+=("${pair#*:}")
done
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || packages+=(postgresql)
python3 -c 'import ensurepip, venv' 2>/dev/null || packages+=(python3-venv)
if [ "${#packages[@]}" -gt 0 ]; then
    say "apt-get install ${packages[*]}"
    apt-get update -q
    apt-get install -y -q --no-install-recommends ca-certificates "${packages[@]}"
fi

# 2. Rust, with the installer rustup.rs documents (it downloads the toolchain).
if ! command -v cargo >/dev/null 2>&1; then
    say "installing Rust with rustup into /opt/rust"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
        CARGO_HOME=/opt/rust/cargo sh -s -- -y --no-modify-path --profile minimal
    chmod -R a+rX /opt/rust
fi

# 3. k6, from Grafana's package repository as Grafana documents it for Debian and Ubuntu.
if ! command -v k6 >/dev/null 2>&1; then
    say "installing k6 from Grafana's package repository"
    mkdir -p /usr/share/keyrings
    curl -fsSL https://dl.k6.io/key.gpg | gpg --batch --yes --dearmor -o /usr/share/keyrings/k6-archive-keyring.gpg
    echo "deb [signed-by=/usr/share/keyrings/k6-archive-keyring.gpg] https://dl.k6.io/deb stable main" \
        >/etc/apt/sources.list.d/k6.list
    apt-get update -q
    apt-get install -y -q k6
fi

# 4. The CloudWatch emulator, moto, in a virtual environment of its own.
if ! command -v moto_server >/dev/null 2>&1; then
    say "installing moto[server] into $HOME_DIR/tools"
    python3 -m venv "$HOME_DIR/tools"
    "$HOME_DIR/tools/bin/pip" install --quiet --disable-pip-version-check 'moto[server]'
fi

# 5. The user the gradings run as: the student's code never runs as root, and cannot read this
#    folder or write Gradescope's results.
id grader >/dev/null 2>&1 || useradd --create-home --home-dir /home/grader --shell /bin/bash grader
# Also when the home or Cargo's folder in it existed before the user (a mounted cache).
install -d -o grader -g grader /home/grader /home/grader/.cargo
chmod 0700 "$SOURCE"
as_grader() {
    runuser -u grader -- env -i HOME=/home/grader PATH="$PATH" RUSTUP_HOME="$RUSTUP_HOME" \
        CARGO_HOME=/home/grader/.cargo CARGO_TERM_COLOR=never "$@"
}

# 6. The teacher's copy of the template (read-only to the grader), and the grading command built
#    from it with the app's dependencies.
mkdir -p "$HOME_DIR"
rm -rf "$HOME_DIR/template"
cp -a "$SOURCE/template" "$HOME_DIR/template"
chown -R root:root "$HOME_DIR/template"
chmod -R a+rX,go-w "$HOME_DIR/template"
install -d -o grader -g grader "$HOME_DIR/target"
say "building the grading command and the app's dependencies (several minutes)"
as_grader cargo build --locked --quiet --manifest-path "$HOME_DIR/template/Cargo.toml" \
    --target-dir "$HOME_DIR/target" -p checks -p starter --bin grade
install -m 0755 "$HOME_DIR/target/debug/grade" /usr/local/bin/taskoverflow-grade
as_grader cargo build --locked --quiet --manifest-path "$HOME_DIR/template/Cargo.toml" \
    --target-dir "$HOME_DIR/target" -p checks -p starter --bin starter

# 7. A PostgreSQL cluster of the grader's own, started for each grading by run_autograder.
initdb=$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1)
if [ ! -d /home/grader/postgres ]; then
    as_grader "$initdb" --pgdata=/home/grader/postgres --username=postgres --auth=trust \
        --encoding=UTF8 --no-instructions >/dev/null
fi
say "ready: /usr/local/bin/taskoverflow-grade, $(k6 version | head -n 1)"
