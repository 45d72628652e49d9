#!/bin/sh
# The main job on the shipped default configs, in a scratch directory: the
# repository's own files are never touched.
set -eu

repo=$(pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/hybridctl-demo.XXXXXX")
apps=""
helpers=""  # servers that stand in for the providers and Prometheus
cleanup() {
    for pid in $apps $helpers; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
export HYBRIDCTL_ACTOR="${HYBRIDCTL_ACTOR:-demo}"
# The applications and hybridctl share a bearer token (never printed anywhere).
HYBRIDCTL_TARGET_TOKEN="demo-$(python -c 'import secrets; print(secrets.token_hex(16))')"
export HYBRIDCTL_TARGET_TOKEN
# The demo's canary steps last seconds, not hours: each simulated hour of
# traffic is stamped at the moment it is simulated (--minutes 0), so the
# rollout report attributes it to the step it belongs to.

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

edit_config() {  # edit_config PYTHON-STATEMENTS on `config`
    python - "$1" <<'PY'
import json, pathlib, sys
path = pathlib.Path("configs/model-config.json")
config = json.loads(path.read_text())
exec(sys.argv[1])
path.write_text(json.dumps(config, indent=2) + "\n")
PY
}

step "1. Scaffold a setup: the default strategy, its schemas, and a git store with backup 1" \
    hybridctl init
hybridctl init

step "2. Validate it (GLM-4.5 primary, Claude Opus 4.1 on escalation)" \
    hybridctl validate
hybridctl validate

step "2b. Two applications follow the rollout: the reference endpoint, twice, on loopback" \
    hybridctl serve --port PORT --dir app-N '&' ';' hybridctl push ';' hybridctl status --remote
free_port() {
    python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() {  # wait_for URL: until it answers
    python - "$1" <<'PY'
import sys, time, urllib.request
for _ in range(200):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=1)
        break
    except OSError:
        time.sleep(0.05)
PY
}

start_app() {  # start_app DIR PORT: a reference application in the background
    hybridctl serve --port "$2" --dir "$1" 2>/dev/null &
    apps="$apps $!"
    wait_for "http://127.0.0.1:$2/healthz"
}

app1_port=$(free_port)
app2_port=$(free_port)
start_app app-1 "$app1_port"
start_app app-2 "$app2_port"
for port in "$app1_port" "$app2_port"; do
    targets="${targets:+$targets, }\"http://127.0.0.1:$port/hybridctl/bundle\""
done
printf 'targets = [%s]\n' "$targets" >> hybridctl.toml
cat hybridctl.toml
hybridctl push
hybridctl status --remote

step "3. A bad edit: a misspelt key, an unknown model, a pasted API key" \
    hybridctl validate
python - <<'PY'
import pathlib
modes = pathlib.Path("configs/modes.yml")
modes.write_text(modes.read_text().replace("roleDefinition:", "roleDefiniton:", 1))
PY
edit_config 'config["roles"]["critic"]["primary"] = "glm-4.6"; config["models"]["glm-4.5"]["description"] = "key: sk-ant-" + "x" * 40'
expect_failure hybridctl validate

step "4. hybridctl will not record it, nor silently discard it; restore on purpose" \
    hybridctl backup create --reason oops ';' hybridctl restore 1 --force --reason "undo a bad edit"
expect_failure hybridctl backup create --reason "oops"
hybridctl restore 1 --force --reason "undo a bad edit"

step "4b. Escalations: one decision explained, and the cases the config carries (the seed scenarios)" \
    hybridctl escalation check --role architect --context "'{...}'" ';' hybridctl escalation test
hybridctl escalation check --role architect \
    --context '{"affected_services": ["auth", "billing", "api", "web"], "security_impact": "auth_bypass"}'
hybridctl escalation test

step "4c. Escalation is a reviewed decision: a request, the primary team alerted, an approval, the grant" \
    hybridctl escalation request ... ';' hybridctl escalation approve ID --reason ... ';' hybridctl route explain ...
# Each approval team's channel: a stand-in webhook that logs what a person would read.
hook_port=$(free_port)
python "$repo/scripts/demo_webhook.py" --port "$hook_port" --log team-channels.log &
helpers="$helpers $!"
wait_for "http://127.0.0.1:$hook_port/"
printf '\n[[notify]]\nurl = "http://127.0.0.1:%s/tech-leads"\nteam = "primary"\n' "$hook_port" >> hybridctl.toml
printf '\n[[notify]]\nurl = "http://127.0.0.1:%s/eng-managers"\nteam = "secondary"\n' "$hook_port" >> hybridctl.toml
# Approvers and the gateway share the key grants are signed with (never printed anywhere).
HYBRIDCTL_GRANT_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')
export HYBRIDCTL_GRANT_KEY
task='{"affected_services": ["auth", "billing", "api", "web"], "security_impact": "auth_bypass"}'
hybridctl escalation request --role architect --context "$task" --reason "auth redesign across four services"
request_id=$(hybridctl escalation queue --pending --json | python -c 'import json, sys; print(json.load(sys.stdin)["requests"][0]["id"])')
cat team-channels.log
hybridctl escalation queue --pending
printf '$ hybridctl route explain --role architect --user u-42 --context TASK   # no grant yet\n'
hybridctl route explain --role architect --user u-42 --context "$task"
printf '$ hybridctl escalation approve %s --reason ...   # as demo, not on the primary team\n' "$request_id"
expect_failure hybridctl escalation approve "$request_id" --reason "looks fine"
printf '$ HYBRIDCTL_ACTOR=tech_lead hybridctl escalation approve %s --reason ...\n' "$request_id"
HYBRIDCTL_ACTOR=tech_lead hybridctl escalation approve "$request_id" --reason "reviewed the plan with security"
grant=$(hybridctl escalation show "$request_id" --json | python -c 'import json, sys; print(json.load(sys.stdin)["grant"])')
with_grant=$(python -c 'import json, sys; print(json.dumps({**json.loads(sys.argv[1]), "approval": sys.argv[2]}))' "$task" "$grant")
printf '$ hybridctl route explain --role architect --user u-42 --context TASK-WITH-GRANT\n'
hybridctl route explain --role architect --user u-42 --context "$with_grant"
printf '$ hybridctl route explain --role integrator --user u-42 --context TASK-WITH-GRANT   # not its role\n'
hybridctl route explain --role integrator --user u-42 --context "$with_grant"
tail -n 1 team-channels.log
hybridctl escalation sweep
hybridctl report escalations

step "5. A candidate: the routine roles on Gemini 2.5 Flash Lite; validate warns they have no fallback" \
    hybridctl validate --ignore escalation-no-single-criterion
edit_config '
for role in ("orchestrator", "implementer", "critic"):
    config["roles"][role]["primary"] = "gemini-2.5-flash-lite"
config["rollout"]["steps"] = [{"weight": 10, "minSoakHours": 0}, {"weight": 50, "minSoakHours": 0}]'
hybridctl validate --ignore escalation-no-single-criterion

step "5b. Give Flash Lite a way back to GLM-4.5 (no soak time, for the demo)" \
    hybridctl diff
edit_config '
config["models"]["gemini-2.5-flash-lite"]["fallback"] = "glm-4.5"'
hybridctl diff

step "5c. The quality gate: with eval suites beside the configs, stage wants a passing eval run first" \
    hybridctl stage --reason "..." ';' hybridctl eval run --gateway URL ';' hybridctl stage --reason "..."
# A stand-in for the providers answers the eval cases (a real run reaches each provider's
# OpenAI-compatible endpoint with its key from the environment, or a LiteLLM proxy).
models_port=$(free_port)
python "$repo/scripts/demo_models.py" --port "$models_port" &
helpers="$helpers $!"
wait_for_post() {  # wait_for_post URL: until it answers a POST
    python - "$1" <<'PY'
import sys, time, urllib.request
for _ in range(200):
    try:
        urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b"{}"), timeout=1)
        break
    except OSError:
        time.sleep(0.05)
PY
}
wait_for_post "http://127.0.0.1:$models_port/v1/chat/completions"
mkdir -p configs/evals
python - <<'PY'
import pathlib
pairs = [(6, 7), (3, 9), (12, 12), (8, 5), (7, 7), (9, 4), (11, 3), (5, 13), (14, 2), (6, 6), (15, 4), (21, 3)]
roles = ["critic", "implementer", "orchestrator"]
lines = ["name: routine-arithmetic", "repeats: 4", "cases:"]
for n, (a, b) in enumerate(pairs):
    lines += [
        f"  - name: {a} times {b}",
        f"    role: {roles[n % 3]}",
        "    messages:",
        f'      - {{role: user, content: "What is {a} times {b}? Answer with the number only."}}',
        "    assert:",
        f"      - {{type: number, value: {a * b}}}",
        "      - {type: max-latency, value: 5}",
    ]
pathlib.Path("configs/evals/routine.yml").write_text("\n".join(lines) + "\n")
PY
head -9 configs/evals/routine.yml
expect_failure hybridctl stage --reason "routine roles on flash lite"
hybridctl eval run --gateway "http://127.0.0.1:$models_port/v1"
hybridctl stage --reason "routine roles on flash lite"

step "6. Canary 10%, traffic routed through the bundle (0.5% of calls fail), gates judge it" \
    hybridctl promote ';' hybridctl simulate --requests 8000 --minutes 0 --error-rate 0.005 --out usage.jsonl ';' hybridctl gate check --usage usage.jsonl
hybridctl promote
# About 800 candidate requests: enough to show the candidate within 2 points of stable.
hybridctl simulate --requests 8000 --minutes 0 --error-rate 0.005 --out usage.jsonl
hybridctl gate check --usage usage.jsonl

step "6b. Both applications serve the canary: what each reports, beside the local digest" \
    hybridctl status --remote
hybridctl status --remote

step "6c. The same step in a LiteLLM gateway: the proxy config for stable and candidate, checked" \
    hybridctl render --format litellm --out litellm.yaml ';' hybridctl validate litellm.yaml --strict
hybridctl render --format litellm --out litellm.yaml
grep -E "^- model_name: (candidate/)?critic$" -A3 litellm.yaml
hybridctl validate litellm.yaml --strict
hybridctl route explain --role critic --user u-7

step "6d. At low volume the gates hold: 2,500 requests, the candidate at 2% errors against 1%" \
    hybridctl promote --usage small.jsonl
# About 250 candidate requests: neither shown within 2 points of stable nor worse than it,
# so no verdict (exit 5): the candidate stays at 10%, neither promoted nor rolled back.
hybridctl simulate --requests 2500 --minutes 0 --candidate-error-rate 0.02 --seed 3 --out small.jsonl
expect_failure hybridctl promote --usage small.jsonl

step "7. The gates pass: 50%" \
    hybridctl promote --usage usage.jsonl
hybridctl promote --usage usage.jsonl

step "8. The provider degrades: the candidate fails 9% of requests; the gates block promotion" \
    hybridctl promote --usage usage.jsonl
hybridctl simulate --requests 2000 --minutes 0 --candidate-error-rate 0.09 --seed 2 --out usage.jsonl --append
expect_failure hybridctl promote --usage usage.jsonl

step "9. status says so (exit 1), and recommends a rollback" \
    hybridctl status --usage usage.jsonl
expect_failure hybridctl status --usage usage.jsonl

step "10. Roll back: weight 0, the stable configs back on both applications, the candidate kept for retry" \
    hybridctl rollback --reason "candidate error rate 9%" ';' hybridctl status --remote
hybridctl rollback --reason "candidate error rate 9%"
hybridctl rollout plan
# Serving stable on every application, as recorded: healthy (exit 0), the rollback shown as a fact.
hybridctl status --remote

step "10b. A second on-call engineer (or a retried CI job) rolls back too: nothing changes" \
    hybridctl rollback --reason "paged as well"
hybridctl rollback --reason "paged as well"

step "10c. The kill switch, for the next emergency: every request to stable at once, then back" \
    hybridctl disable --reason "drill" ';' hybridctl enable --reason "drill over"
hybridctl disable --reason "drill"
hybridctl enable --reason "drill over"

step "10d. An application goes down: the push reports it (exit 4), and status --remote flags it (exit 1)" \
    hybridctl push ';' hybridctl status --remote
kill ${apps##* }
wait ${apps##* } 2>/dev/null || true
expect_failure hybridctl push
expect_failure hybridctl status --remote

step "11. Every step is in the history" \
    hybridctl history
hybridctl history

step "12. Is the hybrid strategy paying off? Savings against all-Claude, and the targets" \
    hybridctl report savings usage.jsonl
hybridctl report savings usage.jsonl

step "13. Spend against the budgets (exit 1 would mean over budget)" \
    hybridctl report budget usage.jsonl
hybridctl report budget usage.jsonl

step "14. Usage by role and model, and the rollout report for stakeholders" \
    hybridctl report usage usage.jsonl --by role,model ';' hybridctl report rollout usage.jsonl --format markdown
hybridctl report usage usage.jsonl --by role,model
hybridctl report rollout usage.jsonl --format markdown

step "14b. What the escalation rules did to that traffic, replayed from the task contexts it recorded" \
    hybridctl escalation backtest usage.jsonl
hybridctl escalation backtest usage.jsonl

step "15. Automated analysis: a metrics server fed by simulated traffic decides each step" \
    hybridctl stage --reason "..." ';' hybridctl rollout run --timeout 180
# app-2 is back, and catches up.
start_app app-2 "$app2_port"
hybridctl push >/dev/null
# A stand-in for Prometheus answers hybridctl's queries from the traffic log,
# which a loop of `hybridctl simulate` feeds through whatever bundle is served.
metrics_port=$(free_port)
python "$repo/scripts/demo_metrics.py" --port "$metrics_port" --log traffic.jsonl --config configs/model-config.json &
apps="$apps $!"
printf '\n[metrics]\nprovider = "prometheus"\nurl = "http://127.0.0.1:%s"\n' "$metrics_port" >> hybridctl.toml
# The default queries, each narrowed to the rollout's own traffic (the rollout_id label a
# gateway sets): the last rollout's candidate is never judged as this one's.
python - <<'PY'
from hybridctl.analysis.providers.prometheus import DEFAULT_QUERIES
lines = ["", "[metrics.queries]"]
for name, query in DEFAULT_QUERIES.items():
    if 'variant="{variant}"' in query:
        narrowed = query.replace('variant="{variant}"', 'variant="{variant}",rollout_id="{rollout}"')
        lines.append(f"{name} = '{narrowed}'")
with open("hybridctl.toml", "a") as settings:
    settings.write("\n".join(lines) + "\n")
PY
cat hybridctl.toml
feed() {  # feed CANDIDATE-ERROR-RATE: about 600 requests a second until the flag file goes
    touch feeding
    n=0
    while [ -f feeding ]; do
        n=$((n + 1))
        hybridctl simulate --requests 600 --minutes 0 --seed "$n" --candidate-error-rate "$1" \
            --out traffic.jsonl --append >/dev/null 2>&1 || true
    done
}
stop_feeding() {
    rm -f feeding
    wait "$feeder" 2>/dev/null || true
}
edit_config '
for role in ("orchestrator", "implementer"):
    config["roles"][role]["primary"] = "gemini-2.5-flash-lite"
config["rollout"] = {
    "steps": [{"weight": 10, "minSoakHours": 0}, {"weight": 50, "minSoakHours": 0}],
    "analysis": {"intervalSeconds": 4, "inconclusiveLimit": 10},
}'
hybridctl eval run --gateway "http://127.0.0.1:$models_port/v1" >/dev/null  # the quality gate, as in 5c
hybridctl stage --reason "orchestrator and implementer on flash lite, judged by the analysis"
feed 0.001 &
feeder=$!
hybridctl rollout run --timeout 180
stop_feeding

step "16. The next candidate goes bad mid-rollout: the analysis rolls it back by itself" \
    hybridctl stage --reason "..." ';' hybridctl rollout run --timeout 180
edit_config 'config["roles"]["critic"]["primary"] = "gemini-2.5-flash-lite"'
hybridctl eval run --gateway "http://127.0.0.1:$models_port/v1" >/dev/null
hybridctl stage --reason "the critic on flash lite too"
feed 0.09 &
feeder=$!
expect_failure hybridctl rollout run --timeout 180
stop_feeding
hybridctl status --remote || true
hybridctl history --limit 8
