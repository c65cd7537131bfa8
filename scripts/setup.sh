#!/usr/bin/env bash
# Set up Antena in ./.venv (idempotent). Needs Python 3.11+; installs system packages when root.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -c 'import sys; assert sys.version_info >= (3, 11), "Antena needs Python 3.11 or newer"'
[ -x .venv/bin/python ] || "$PY" -m venv .venv
echo "setting up .venv (log: .venv/pip.log)" >&2
.venv/bin/python -m pip install --quiet --upgrade pip >.venv/pip.log 2>&1 || { cat .venv/pip.log; exit 1; }
.venv/bin/python -m pip install --quiet -e ".[${EXTRAS:-dev,spark,accurate}]" >>.venv/pip.log 2>&1 || { cat .venv/pip.log; exit 1; }
# System packages: PDF rendering (pango), Java for Spark, Chromium for browser tests.
need=()
.venv/bin/python -c "import weasyprint" 2>/dev/null || need+=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
fc-list 2>/dev/null | grep -qi "color emoji" || need+=(fonts-noto-color-emoji)
if [ "${WITH_BROWSER:-0}" = 1 ]; then
  command -v chromium >/dev/null || need+=(chromium)
  command -v chromedriver >/dev/null || need+=(chromium-driver)
  command -v pdftoppm >/dev/null || need+=(poppler-utils)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "please install: ${need[*]} (e.g. sudo apt-get install ${need[*]})" >&2
  fi
fi
