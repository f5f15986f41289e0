#!/usr/bin/env python3
"""TaskOverflow lab: the Classroom 50 autograder for one assignment.

Classroom 50's runner runs this script in the student's checkout, with the files beside it (the
teacher's copy of the template in template/) and its variables set (CLASSROOM, ASSIGNMENT,
SUBMISSION_TAG, COMMIT_URL, RELEASE_URL, REVIEW_URL, ...). The script only wraps the lab's
grading command: it installs the tools the checks run when the runner lacks them, builds `grade`
from the teacher's copy, and runs it on the checkout. `grade` takes every file that is not a lab
file from template/ (checked against the template's hash first) and writes result.json (one test
per lab task, with the task's message) and release-body.md (the task table) for the runner.

Exit 0 once result.json is written, whatever the score; anything else is an error of this
machine or of the grading set-up, which the runner reports as such.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "template"
TEMPLATE_HASH = "@TEMPLATE_HASH@"
SUBMISSION = Path.cwd()
WORK = Path(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir()) / "taskoverflow-grading"
# A runner that keeps a target folder between gradings may name it; else one per run.
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or WORK / "target")

# k6 from Grafana's package repository, as Grafana documents it for Debian and Ubuntu.
K6_FROM_GRAFANA = """
set -eu
sudo mkdir -p /usr/share/keyrings
curl -fsSL https://dl.k6.io/key.gpg | sudo gpg --batch --yes --dearmor -o /usr/share/keyrings/k6-archive-keyring.gpg
echo "deb [signed-by=/usr/share/keyrings/k6-archive-keyring.gpg] https://dl.k6.io/deb stable main" | sudo tee /etc/apt/sources.list.d/k6.list >/dev/null
sudo apt-get update -q
sudo apt-get install -y -q k6
"""


def say(message):
    print(f"taskoverflow: {message}", flush=True)


def run(command, **kwargs):
    say("$ " + " ".join(str(part) for part in command))
    return subprocess.run([str(part) for part in command], check=False, **kwargs)


def tools():
    """k6 and moto_server, installed when this runner has none."""
    if shutil.which("k6") is None:
        say("k6 is not installed: installing Grafana's package")
        if run(["bash", "-c", K6_FROM_GRAFANA]).returncode != 0:
            raise SystemExit("cannot install k6")
    if shutil.which("moto_server") is None:
        venv = WORK / "tools"
        say(f"moto_server is not installed: installing moto[server] into {venv}")
        if run([sys.executable, "-m", "venv", venv]).returncode != 0:
            raise SystemExit("cannot create a Python virtual environment for moto")
        pip = [venv / "bin" / "python", "-m", "pip", "install", "--quiet", "moto[server]"]
        if run(pip).returncode != 0:
            raise SystemExit("cannot install moto[server]")
        os.environ["PATH"] = f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"


def main():
    if not (TEMPLATE / "checks" / "template-files.sha256").is_file():
        raise SystemExit(f"{TEMPLATE} is not the exported template: copy it beside this script")
    WORK.mkdir(parents=True, exist_ok=True)
    tools()
    # The grading command from the teacher's copy; with the starter in the same build, the
    # dependencies resolve as they do when grade builds the student's app, and compile once.
    build = run([
        "cargo", "build", "--locked", "--quiet",
        "--manifest-path", TEMPLATE / "Cargo.toml",
        "--target-dir", TARGET,
        "-p", "checks", "-p", "starter", "--bin", "grade",
    ])
    if build.returncode != 0:
        raise SystemExit("the grading command did not build from the teacher's template")
    for stale in ("result.json", "release-body.md"):
        (SUBMISSION / stale).unlink(missing_ok=True)
    graded = run([
        TARGET / "debug" / "grade",
        "--template", TEMPLATE,
        "--template-hash", TEMPLATE_HASH,
        "--submission", SUBMISSION,
        "--target-dir", TARGET,
        "--out", WORK / "results",
        "--classroom50", SUBMISSION / "result.json",
        "--markdown", SUBMISSION / "release-body.md",
    ])
    # 0: full marks, 1: graded with failures; 2: this machine or the template could not grade.
    if graded.returncode not in (0, 1) or not (SUBMISSION / "result.json").is_file():
        raise SystemExit(f"grade could not grade this submission (exit {graded.returncode})")
    say("result.json written")


if __name__ == "__main__":
    main()
