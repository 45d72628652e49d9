#!/bin/sh
# The main job on the shipped default configs, in a scratch directory: the
# repository's own files are never touched.
set -eu

work=$(mktemp -d "${TMPDIR:-/tmp}/hybridctl-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export HYBRIDCTL_ACTOR="${HYBRIDCTL_ACTOR:-demo}"

step() {
    printf '\n== %s\n' "$1"
    shift
    printf '$ %s\n' "$*"
}

# Run a command that is expected to fail, and show its exit code.
expect_failure() {
    status=0
    "$@" || status=$?
    printf '(exit %s)\n' "$status"
}

step "1. Scaffold a setup: the default strategy, its schemas, and a git store with backup 1" \
    hybridctl init
hybridctl init

step "2. Validate it (GLM-4.5 primary, Claude Opus 4.1 on escalation)" \
    hybridctl validate
hybridctl validate

step "3. Raise the daily budget, see the change in the strategy's terms, record it" \
    hybridctl diff '&&' hybridctl backup create --reason "raise the daily budget to 60"
python - <<'PY'
import json
import pathlib

path = pathlib.Path("configs/model-config.json")
config = json.loads(path.read_text())
config["budgets"]["daily"] = 60
path.write_text(json.dumps(config, indent=2) + "\n")
PY
hybridctl diff
hybridctl backup create --reason "raise the daily budget to 60"

step "4. A bad edit: a misspelt key, an unknown model, a pasted API key" \
    hybridctl validate
python - <<'PY'
import json
import pathlib

modes = pathlib.Path("configs/modes.yml")
modes.write_text(modes.read_text().replace("roleDefinition:", "roleDefiniton:", 1))
path = pathlib.Path("configs/model-config.json")
config = json.loads(path.read_text())
config["roles"]["critic"]["primary"] = "glm-4.6"
config["models"]["glm-4.5"]["description"] = "key: sk-ant-" + "x" * 40
path.write_text(json.dumps(config, indent=2) + "\n")
PY
expect_failure hybridctl validate

step "5. The same findings as GitHub annotations, for CI" \
    hybridctl validate --format github
expect_failure hybridctl validate --format github

step "6. hybridctl will not record it, and will not silently discard it" \
    hybridctl backup create --reason "oops" ';' hybridctl restore previous
expect_failure hybridctl backup create --reason "oops"
expect_failure hybridctl restore previous

step "7. Restore the last good backup on purpose, and look at the history" \
    hybridctl restore 2 --force --reason "undo a bad edit"
hybridctl restore 2 --force --reason "undo a bad edit"
hybridctl validate
hybridctl history
