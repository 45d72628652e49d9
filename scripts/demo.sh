#!/bin/sh
# The main job on the shipped default configs, on a scratch copy: the
# repository's own files are never touched.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/hybridctl-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R "$repo/configs" "$work/configs"
cd "$work"

step() {
    printf '\n== %s\n' "$1"
    shift
    printf '$ %s\n' "$*"
}

step "1. Validate the default strategy (GLM-4.5 primary, Claude Opus 4.1 on escalation)" \
    hybridctl validate
hybridctl validate

step "2. Break it: a misspelt key, an unknown model, a pasted API key" \
    hybridctl validate
python - <<'PY'
import json
import pathlib

modes = pathlib.Path("configs/modes.yml")
modes.write_text(modes.read_text().replace("roleDefinition:", "roleDefiniton:", 1))
config_path = pathlib.Path("configs/model-config.json")
config = json.loads(config_path.read_text())
config["roles"]["critic"]["primary"] = "glm-4.6"
config["models"]["glm-4.5"]["description"] = "key: sk-ant-" + "x" * 40
config_path.write_text(json.dumps(config, indent=2) + "\n")
PY
status=0
hybridctl validate || status=$?
printf '(exit %s: validation failed; hybridctl changed nothing)\n' "$status"

step "3. The same findings as GitHub annotations, for CI" \
    hybridctl validate --format github
hybridctl validate --format github || true
