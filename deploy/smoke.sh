#!/usr/bin/env bash
# Build the production image and start it as an admin would: migrate, then the web app,
# until its HEALTHCHECK (GET /healthz) reports healthy; then the chart font and the CLI
# inside the image. Needs a running Docker engine (`docker info`); .ci/run calls it only
# then. Uses the embedded SQLite and Redis inside a throwaway volume, so it needs no
# PostgreSQL; compose.yaml's wiring is checked by tests/unit/test_deployment_files.py.
set -euo pipefail
cd "$(dirname "$0")/.."

tag="mashangban:smoke-$$"
volume="mashangban-smoke-$$"
web="mashangban-smoke-web-$$"
# Settings a web process validates at start (the test suite's WeCom app, not a real one).
settings=(-e MASHANGBAN_WECOM_CORP_ID=wwtest0000000001 -e MASHANGBAN_WECOM_AGENT_ID=1000002
          -e MASHANGBAN_WECOM_SECRET=test-secret -e MASHANGBAN_WECOM_TOKEN=QDG6eK
          -e MASHANGBAN_WECOM_AES_KEY=jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C)

cleanup() {
  docker rm -f "$web" >/dev/null 2>&1 || true
  docker volume rm -f "$volume" >/dev/null 2>&1 || true
  docker image rm -f "$tag" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "-- docker build"
DOCKER_BUILDKIT=1 docker build -q -t "$tag" .

echo "-- the image runs as a non-root user, with mashangban as its entrypoint"
user=$(docker image inspect --format '{{.Config.User}}' "$tag")
[ -n "$user" ] && [ "${user%%:*}" != "0" ] && [ "${user%%:*}" != "root" ]
docker run --rm "$tag" --help >/dev/null

echo "-- the chart is drawn with the bundled CJK font"
docker run --rm --entrypoint python "$tag" -c "
from matplotlib import font_manager
from tasks.reports.charts import FONT_FILE
assert FONT_FILE.is_file(), FONT_FILE
print(font_manager.FontProperties(fname=str(FONT_FILE)).get_name())"

echo "-- db upgrade, then the web app until its healthcheck says healthy"
docker run --rm -v "$volume:/var/lib/mashangban" "${settings[@]}" "$tag" db upgrade
docker run -d --name "$web" -v "$volume:/var/lib/mashangban" "${settings[@]}" \
  --health-interval 2s --health-start-period 5s "$tag" >/dev/null
for _ in $(seq 1 60); do
  status=$(docker inspect --format '{{.State.Health.Status}}' "$web")
  [ "$status" = healthy ] && break
  [ "$(docker inspect --format '{{.State.Running}}' "$web")" = true ] || break
  sleep 1
done
if [ "$status" != healthy ]; then
  docker logs "$web" | tail -30
  echo "smoke: the web container did not become healthy (status: $status)" >&2
  exit 1
fi
docker exec "$web" python -c "
import json, urllib.request
print(json.load(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)))"
echo "smoke: OK"
