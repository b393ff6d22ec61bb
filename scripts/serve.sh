#!/usr/bin/env bash
# Serve the platform on 127.0.0.1:$PORT with a background worker beside it, so that queued
# work (e-mails, periodic jobs) really happens while it serves. Ctrl+C stops both.
set -euo pipefail
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8000}
"$PY" manage.py run_worker --interval 1 &
worker=$!
trap 'kill $worker 2>/dev/null || true; wait $worker 2>/dev/null || true' EXIT INT TERM
echo "French IMPACT : http://127.0.0.1:$PORT/  (Ctrl+C pour arrêter)"
"$PY" manage.py runserver "127.0.0.1:$PORT" --noreload
