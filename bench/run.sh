#!/usr/bin/env bash
# The load benchmark: one command, bounded in time.
#   bench/run.sh            (DURATION=20 WARMUP=20 seconds per endpoint by default)
# Builds the jar if needed, starts the server on a fresh embedded database, measures start-up time and memory,
# drives each endpoint from a second process (wrk, 2 threads, 16 connections, warm-up then a measured run),
# serves the same MedicationKnowledge read from nginx on loopback as the floor, and writes a table to
# bench/results/. Any non-2xx response is a failure of the run (exit 1), not a number to average.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-20}
# The JVM options README gives for running the jar (the heap cap keeps the server under its memory budget).
JAVA_OPTS=${JAVA_OPTS:--Xmx512m}
# Steady state, not a cold JIT: the C2 compiler needs 15-30 s of CPU (shared with the server on 2 cores) before the
# heavier paths ($apply, CDS Hooks) run compiled; a 5 s warm-up measured them at half their speed.
WARMUP=${WARMUP:-20}
PORT=${PORT:-18080}
FLOOR_PORT=${FLOOR_PORT:-18090}
WORK=bench/work/load
RESULTS=bench/results
mkdir -p "$WORK" "$RESULTS"

for tool in wrk nginx curl; do
  command -v $tool >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk nginx-light curl >/dev/null; break; }
done
[ -f target/adhdkb.jar ] || ./mvnw -q -B package -DskipTests

BASE="http://127.0.0.1:$PORT"
rm -rf "$WORK/db"
start=$(date +%s.%N)
# local writes: the benchmark PUTs its test patient without a token. No start-up kit: one JVM (whose memory and CPU
# are the server's) with the C2 compiler, as a long-running server runs; bench/startup.sh measures README's commands.
java $JAVA_OPTS -jar target/adhdkb.jar --server.port=$PORT --adhdkb.data-dir="$WORK/db" --adhdkb.security.local-writes=true \
  --adhdkb.startup.kit=false >"$WORK/server.log" 2>&1 &
SERVER=$!
NGINX_PID=""
cleanup() { kill $SERVER 2>/dev/null || true; [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true; }
trap cleanup EXIT
until curl -fs -o /dev/null "$BASE/fhir/metadata"; do
  kill -0 $SERVER 2>/dev/null || { echo "server died; see $WORK/server.log" >&2; exit 1; }
  sleep 0.05
done
STARTUP=$(echo "$(date +%s.%N) - $start" | bc)
sleep 2
RSS_START=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$SERVER/status)

# A patient for $apply and CDS Hooks: a 30 kg child.
curl -fs -o /dev/null -X PUT -H 'Content-Type: application/fhir+json' "$BASE/fhir/Patient/bench-child" \
  -d '{"resourceType":"Patient","id":"bench-child","birthDate":"2017-05-01"}'
curl -fs -o /dev/null -X PUT -H 'Content-Type: application/fhir+json' "$BASE/fhir/Observation/bench-child-weight" \
  -d '{"resourceType":"Observation","id":"bench-child-weight","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},"subject":{"reference":"Patient/bench-child"},"effectiveDateTime":"2026-11-01","valueQuantity":{"value":30,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}}'

# CDS Hooks order-sign for the same child: a draft of atomoxetine 30 mg a day, once with the full prefetch and once
# with none, so that the service fetches the record from adhdkb's own /fhir as the client's fhirServer.
DRAFT='{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"MedicationRequest","id":"bench-draft","status":"draft","intent":"order","subject":{"reference":"Patient/bench-child"},"medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"38400"}]},"dosageInstruction":[{"timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"d"}},"doseAndRate":[{"doseQuantity":{"value":30,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}]}]}}]}'
CDS_CONTEXT='"hook":"order-sign","hookInstance":"d1577c69-dfbe-44ad-ba6d-3e05e953b2ea","context":{"userId":"Practitioner/bench","patientId":"bench-child","draftOrders":'"$DRAFT"'}'
# The prefetch is filled from the service's own templates (discovery), as an EHR fills it.
echo "{$CDS_CONTEXT}" > "$WORK/order-sign-context.json"
python3 bench/prefetch.py "$BASE" adhd-order-sign "$WORK/order-sign-context.json" > "$WORK/order-sign-prefetch.json"
echo "{$CDS_CONTEXT,\"fhirServer\":\"$BASE/fhir\"}" > "$WORK/order-sign-fetch.json"

# The same hook with an order as most EHRs write it: a product code and a dose in capsules
# (atomoxetine 25 mg oral capsule, RxNorm 349593, 1 capsule twice a day).
CAPSULE_DRAFT='{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"MedicationRequest","id":"bench-draft-capsule","status":"draft","intent":"order","subject":{"reference":"Patient/bench-child"},"medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"349593","display":"atomoxetine 25 MG Oral Capsule"}],"text":"atomoxetine 25 mg capsule"},"dosageInstruction":[{"text":"1 capsule twice a day","timing":{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation","code":"BID"}]}},"doseAndRate":[{"doseQuantity":{"value":1,"unit":"capsule","system":"http://unitsofmeasure.org","code":"{capsule}"}}]}]}}]}'
echo '{"hook":"order-sign","hookInstance":"5b0f3c1e-8a2d-4f4e-9c61-0d8f2b7a9e13","context":{"userId":"Practitioner/bench","patientId":"bench-child","draftOrders":'"$CAPSULE_DRAFT"'}}' > "$WORK/order-capsule-context.json"
python3 bench/prefetch.py "$BASE" adhd-order-sign "$WORK/order-capsule-context.json" > "$WORK/order-capsule-prefetch.json"

# patient-view on bench/teen-chart.sh's chart (a teen on OROS methylphenidate since June, vitals after the change)
put() { curl -fs -o /dev/null -X PUT -H 'Content-Type: application/fhir+json' "$BASE/fhir/$1" -d "$2"; }
. bench/teen-chart.sh
teen_chart
echo '{"hook":"patient-view","hookInstance":"0c3f5a8e-6b1d-4c2e-a7f9-3e5d8b1c2a40","context":{"userId":"Practitioner/bench","patientId":"bench-teen"}}' > "$WORK/patient-view-context.json"
python3 bench/prefetch.py "$BASE" adhd-patient-view "$WORK/patient-view-context.json" > "$WORK/patient-view-prefetch.json"

# $apply with the record in the call (Parameters.data): nothing is read from the database or from a cache.
cat > "$WORK/apply-data.json" <<JSON
{"resourceType":"Parameters","parameter":[{"name":"subject","valueString":"Patient/bench-child"},
 {"name":"data","resource":{"resourceType":"Bundle","type":"collection","entry":[
  {"resource":$(curl -fs "$BASE/fhir/Patient/bench-child")},
  {"resource":$(curl -fs "$BASE/fhir/Observation/bench-child-weight")}]}}]}
JSON

# The floor: the same read as a static file from nginx.
mkdir -p "$WORK/nginx/html" "$WORK/nginx/logs"
curl -fs "$BASE/fhir/MedicationKnowledge/atomoxetine" > "$WORK/nginx/html/atomoxetine.json"
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 2;
error_log logs/error.log;
pid logs/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  server { listen 127.0.0.1:$FLOOR_PORT; root html; default_type application/fhir+json; }
}
CONF
nginx -p "$PWD/$WORK/nginx" -c nginx.conf -g 'daemon off;' &
NGINX_PID=$!
sleep 1

# name | method | url | body (file in bench/requests/, or -)
ENDPOINTS=(
  "floor: nginx static read|GET|http://127.0.0.1:$FLOOR_PORT/atomoxetine.json|-"
  "read MedicationKnowledge|GET|$BASE/fhir/MedicationKnowledge/atomoxetine|-"
  "search MedicationKnowledge by code|GET|$BASE/fhir/MedicationKnowledge?code=http://www.nlm.nih.gov/research/umls/rxnorm%7C38400|-"
  "search PlanDefinition by url|GET|$BASE/fhir/PlanDefinition?url=http://adhdkb.org/fhir/PlanDefinition/atomoxetine-titration|-"
  "ValueSet/\$expand|GET|$BASE/fhir/ValueSet/\$expand?url=http://adhdkb.org/fhir/ValueSet/adhd-medications|-"
  "CodeSystem/\$lookup|GET|$BASE/fhir/CodeSystem/\$lookup?system=http://www.nlm.nih.gov/research/umls/rxnorm&code=38400|-"
  "ValueSet/\$validate-code|GET|$BASE/fhir/ValueSet/\$validate-code?url=http://adhdkb.org/fhir/ValueSet/ssri-medications&system=http://www.nlm.nih.gov/research/umls/rxnorm&code=4493|-"
  "PlanDefinition/\$apply (atomoxetine, 30 kg child)|GET|$BASE/fhir/PlanDefinition/atomoxetine-titration/\$apply?subject=Patient/bench-child|-"
  "PlanDefinition/\$apply, record read again (Cache-Control: no-cache)|GET-NO-CACHE|$BASE/fhir/PlanDefinition/atomoxetine-titration/\$apply?subject=Patient/bench-child|-"
  "PlanDefinition/\$apply, record in the call (POST data)|POST|$BASE/fhir/PlanDefinition/atomoxetine-titration/\$apply|$WORK/apply-data.json"
  "CDS Hooks order-sign, full prefetch|POST|$BASE/cds-services/adhd-order-sign|$WORK/order-sign-prefetch.json"
  "CDS Hooks order-sign, no prefetch (fetches from /fhir)|POST|$BASE/cds-services/adhd-order-sign|$WORK/order-sign-fetch.json"
  "CDS Hooks order-sign, 1 capsule twice a day (product code), full prefetch|POST|$BASE/cds-services/adhd-order-sign|$WORK/order-capsule-prefetch.json"
  "CDS Hooks patient-view, teen on OROS methylphenidate, full prefetch|POST|$BASE/cds-services/adhd-patient-view|$WORK/patient-view-prefetch.json"
)

cat > "$WORK/post.lua" <<'LUA'
local f = io.open(os.getenv("BODY_FILE"), "r")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
LUA

# date, time and commit: two runs on one day keep both tables
TABLE="$RESULTS/$(date -u +%Y-%m-%d-%H%M)-load-$(git rev-parse --short HEAD 2>/dev/null || echo unknown).md"
FAILED=0
FLOOR_RPS=""
{
  echo "# Load benchmark $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1). wrk -t2 -c16, ${WARMUP}s warm-up, ${DURATION}s measured. Server: java $JAVA_OPTS -jar target/adhdkb.jar."
  echo "Start-up to first 200 on /fhir/metadata with content loaded: ${STARTUP%.*}.$(echo "$STARTUP" | cut -d. -f2 | cut -c1-1) s (fresh database). RSS after start-up: ${RSS_START} MiB."
  echo
  echo "| endpoint | requests/s | median ms | p99 ms | non-2xx | ratio to floor |"
  echo "|---|---|---|---|---|---|"
} > "$TABLE"

for row in "${ENDPOINTS[@]}"; do
  IFS='|' read -r name method url body <<<"$row"
  if [ "$method" = POST ]; then
    export BODY_FILE="$body"
    status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @"$BODY_FILE" "$url")
  elif [ "$method" = GET-NO-CACHE ]; then
    status=$(curl -s -o /dev/null -w '%{http_code}' -H 'Cache-Control: no-cache' "$url")
  else
    status=$(curl -s -o /dev/null -w '%{http_code}' "$url")
  fi
  if [ "$status" != 200 ]; then
    echo "| $name | not measured: HTTP $status | | | | |" >> "$TABLE"
    FAILED=1
    continue
  fi
  args=(-t2 -c16 --latency)
  if [ "$method" = POST ]; then args+=(-s "$WORK/post.lua"); fi
  if [ "$method" = GET-NO-CACHE ]; then args+=(-H 'Cache-Control: no-cache'); fi
  wrk "${args[@]}" -d"${WARMUP}s" "$url" >/dev/null
  out=$(wrk "${args[@]}" -d"${DURATION}s" "$url")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  bad=$(echo "$out" | awk '/Non-2xx/ {print $NF}'); bad=${bad:-0}
  errors=$(echo "$out" | awk '/Socket errors/ {print $0}')
  [ "$bad" != 0 ] || [ -n "$errors" ] && FAILED=1
  ms() { case "$1" in *us) echo "scale=2; ${1%us}/1000" | bc ;; *ms) echo "${1%ms}" ;; *s) echo "scale=0; ${1%s}*1000" | bc ;; esac; }
  [ -z "$FLOOR_RPS" ] && FLOOR_RPS=$rps
  ratio=$(echo "scale=3; $rps / $FLOOR_RPS" | bc)
  echo "| $name | ${rps%.*} | $(ms "$p50") | $(ms "$p99") | $bad ${errors:+($errors)} | $ratio |" >> "$TABLE"
  echo "$name: ${rps%.*} req/s, median $p50, p99 $p99, non-2xx $bad"
done

RSS_END=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$SERVER/status)
# The live data (what a full collection leaves: the class histogram collects first), which with the heap cap decides
# how hard the collector works; read after the RSS, since the collection it forces changes what is resident.
LIVE=$(jcmd $SERVER GC.class_histogram 2>/dev/null | awk '$1=="Total" {print int($3/1048576)}')
{ echo; echo "RSS after the load: ${RSS_END} MiB. Live data after the load: ${LIVE:-unknown} MiB."; } >> "$TABLE"
cat "$TABLE"
exit $FAILED
