#!/bin/sh
# make e2e: the gateway end to end with real parts on 127.0.0.1 (tests/e2e):
# a LiteLLM proxy in a virtual environment of its own, with hybridctl's plug-in
# from this checkout, and Prometheus, the Debian package. Installs what is
# missing, then runs the tests; they fail, never skip, when a part is missing.
set -eu

venv=$(cd "$(dirname "${HYBRIDCTL_E2E_VENV:-.venv-e2e}")" && pwd)/$(basename "${HYBRIDCTL_E2E_VENV:-.venv-e2e}")

if ! command -v prometheus >/dev/null 2>&1; then
    echo "==> installing Prometheus (the Debian package)"
    if [ "$(id -u)" = 0 ]; then apt=""; elif command -v sudo >/dev/null 2>&1; then apt="sudo"; else
        echo "make e2e needs Prometheus: apt-get install prometheus (as root)" >&2
        exit 2
    fi
    $apt apt-get install -y -q prometheus >/dev/null || {
        $apt apt-get update -q >/dev/null && $apt apt-get install -y -q prometheus >/dev/null
    }
fi

if [ ! -x "$venv/bin/litellm" ] || [ pyproject.toml -nt "$venv/.installed" ]; then
    echo "==> creating $venv: the LiteLLM proxy, and hybridctl[litellm] from this checkout (a minute or two)"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet 'litellm[proxy]' -e '.[litellm]'
    touch "$venv/.installed"
fi

echo "==> $("$venv/bin/python" -c 'import importlib.metadata as m; print("litellm", m.version("litellm"))'), $(prometheus --version 2>&1 | head -n 1)"
HYBRIDCTL_E2E_LITELLM="$venv/bin/litellm" HYBRIDCTL_E2E_REQUIRED=1 \
    .venv/bin/python -m pytest -q -p no:cacheprovider -m e2e tests/e2e "$@"
