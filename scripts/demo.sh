#!/usr/bin/env bash
# Set up Antena and run the main job on the bundled synthetic demo scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=dev,accurate bash scripts/setup.sh
.venv/bin/antena demo "${DEMO_DIR:-demo}" --scale "${DEMO_SCALE:-0.1}" --seed 7
