#!/usr/bin/env bash
# CPU per CDS call: the server's CPU time over a 20 s wrk run (2 threads, 2 connections) after a warm-up, divided by
# the calls answered. Less noisy than requests/s on a shared machine; compare runs of the same script.
#   bench/cpu-per-call.sh [jar] [order-sign|patient-view]   (default target/adhdkb.jar, order-sign; from the repository root)
set -euo pipefail
JAR=${1:-target/adhdkb.jar}; HOOK=${2:-order-sign}; PORT=18190; BASE=http://127.0.0.1:$PORT; WORK=bench/work/cpu
[ -f "$JAR" ] || ./mvnw -B -q package -DskipTests
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
# a server of a previous run may still hold the port for a moment
while curl -fs -o /dev/null $BASE/fhir/metadata 2>/dev/null; do sleep 1; done
rm -rf "$WORK"; mkdir -p "$WORK"
# no start-up kit: the CPU read below is of this one JVM, with the C2 compiler as a long-running server has
java -Xmx512m -jar "$JAR" --server.port=$PORT --adhdkb.data-dir="$WORK/db" --adhdkb.security.local-writes=true \
  --adhdkb.startup.kit=false > "$WORK/server.log" 2>&1 &
SERVER=$!; trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
until curl -fs -o /dev/null $BASE/fhir/metadata; do sleep 0.5; done
put() { curl -fs -o /dev/null -X PUT -H 'Content-Type: application/fhir+json' "$BASE/fhir/$1" -d "$2"; }
put Patient/bench-child '{"resourceType":"Patient","id":"bench-child","birthDate":"2017-05-01"}'
put Observation/bench-child-weight '{"resourceType":"Observation","id":"bench-child-weight","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},"subject":{"reference":"Patient/bench-child"},"effectiveDateTime":"2026-11-01","valueQuantity":{"value":30,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}}'
DRAFT='{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"MedicationRequest","id":"bench-draft","status":"draft","intent":"order","subject":{"reference":"Patient/bench-child"},"medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"38400"}]},"dosageInstruction":[{"timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"d"}},"doseAndRate":[{"doseQuantity":{"value":30,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}]}]}}]}'
if [ "$HOOK" = patient-view ]; then
  . bench/teen-chart.sh # bench/run.sh's patient-view chart
  teen_chart
  echo '{"hook":"patient-view","hookInstance":"0c3f5a8e-6b1d-4c2e-a7f9-3e5d8b1c2a40","context":{"userId":"Practitioner/bench","patientId":"bench-teen"}}' > "$WORK/context.json"
else
  echo '{"hook":"order-sign","hookInstance":"d1577c69-dfbe-44ad-ba6d-3e05e953b2ea","context":{"userId":"Practitioner/bench","patientId":"bench-child","draftOrders":'"$DRAFT"'}}' > "$WORK/context.json"
fi
python3 bench/prefetch.py "$BASE" "adhd-$HOOK" "$WORK/context.json" > "$WORK/body.json"
cat > "$WORK/post.lua" <<LUA
local f = io.open("$WORK/body.json", "r")
wrk.method = "POST"; wrk.body = f:read("*a"); f:close()
wrk.headers["Content-Type"] = "application/json"
LUA
URL=$BASE/cds-services/adhd-$HOOK
wrk -t2 -c4 -d20s -s "$WORK/post.lua" "$URL" > /dev/null
BEFORE=$(awk '{print $14+$15}' /proc/$SERVER/stat)
wrk -t2 -c2 -d20s -s "$WORK/post.lua" "$URL" > "$WORK/wrk.txt"
AFTER=$(awk '{print $14+$15}' /proc/$SERVER/stat)
CALLS=$(grep -o '[0-9]* requests in' "$WORK/wrk.txt" | cut -d' ' -f1)
TICK=$(getconf CLK_TCK)
echo "$HOOK: $CALLS calls, $(python3 -c "print(round(($AFTER-$BEFORE)*1000/$TICK/$CALLS, 2))") ms CPU per call"
