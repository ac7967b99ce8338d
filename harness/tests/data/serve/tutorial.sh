#!/usr/bin/env bash
# The tutorial's workflow against Symphony's REST API: sign in, create the Target, wait until
# it is deployed, look at it, press Enter, delete it, and see it gone. The same script runs
# against `docker compose up` (symphony-api on :8082) and against `symphony-harness serve`.
#
# Usage: tutorial.sh [TARGET_FILE] [TARGET_NAME]   (SYMPHONY_URL, default http://localhost:8082)
set -euo pipefail

API="${SYMPHONY_URL:-http://localhost:8082}/v1alpha2"
FILE="${1:-target.json}"
NAME="${2:-my-target}"

# 1. Sign in as Symphony's admin test user (empty password) and keep the access token.
TOKEN=$(curl -sf -X POST "$API/users/auth" -H "Content-Type: application/json" \
    -d '{"username":"admin","password":""}' | sed -E 's/.*"accessToken": *"([^"]+)".*/\1/')
AUTH="Authorization: Bearer $TOKEN"

# 2. Create (or update) the Target: Symphony reconciles it at once.
curl -sf -X POST "$API/targets/registry/$NAME" -H "$AUTH" -H "Content-Type: application/json" \
    -d @"$FILE"
echo "posted $NAME"

# 3. Wait until it is deployed (or failed).
status=""
for _ in $(seq 1 150); do
    body=$(curl -sf "$API/targets/registry/$NAME" -H "$AUTH")
    if grep -q '"status": *"Succeeded"' <<<"$body"; then status=Succeeded; break; fi
    if grep -q '"status": *"Failed"' <<<"$body"; then status=Failed; break; fi
    sleep 0.2
done
echo "status: ${status:-still reconciling}"
[ "$status" = Succeeded ] || { echo "$body"; exit 1; }

# 4. Look at it, and at every target.
curl -sf "$API/targets/registry/$NAME" -H "$AUTH" | grep -o '"componentStatuses":\[[^]]*\]'
echo "targets: $(curl -sf "$API/targets/registry" -H "$AUTH" | grep -o '"name": *"'"$NAME"'"' | head -1)"

# 5. Press Enter to delete it.
read -r -p "Press Enter to delete $NAME... " _ || true
curl -sf -X DELETE "$API/targets/registry/$NAME" -H "$AUTH"
echo "deleted $NAME"

# 6. The removal runs; then the target is gone.
code=""
for _ in $(seq 1 150); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$API/targets/registry/$NAME" -H "$AUTH")
    [ "$code" = 404 ] && break
    sleep 0.2
done
echo "GET $NAME: $code"
[ "$code" = 404 ]
