#!/usr/bin/env bash
# Set up Antena (with Spark and Chromium) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_BROWSER=1 bash scripts/setup.sh
.venv/bin/python -m ruff check --quiet src tests benchmarks || echo "ruff: findings above"
.venv/bin/python -m pytest -q -n 2 --durations=10 "$@"
