#!/usr/bin/env bash
# Install searchidx in ./.venv, index the sample articles and run a few searches.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q '.[web]'
.venv/bin/searchidx index seeds/
.venv/bin/searchidx query munizioni --facets speakers,people
.venv/bin/searchidx query "" --speaker Kirby --from 2023-08-01
echo
echo "To explore the index in a web browser: .venv/bin/searchidx serve"
echo "then open http://127.0.0.1:8765 (Ctrl+C stops it)"
