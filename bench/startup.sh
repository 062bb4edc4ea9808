#!/usr/bin/env bash
# Start-up time and memory of README's two run commands, as a user types them:
#   java -jar target/adhdkb.jar        (after ./mvnw package)
#   ./mvnw spring-boot:run             (on a compiled clone)
# Each command starts once on an empty data directory (a first start) and then RUNS times on the same one
# (restarts); the time is from the command to the first 200 on /fhir/metadata (content is loaded before the web
# server accepts connections), the memory the resident set of the server JVM 2 s later (and of all the command's
# processes: Maven, or the launcher JVM that relaunches onto the start-up kit).
#   bench/startup.sh [jar|run|both] [RUNS]
#   ADHDKB_STARTUP_KIT=false bench/startup.sh ...   the same without the start-up kit (the figures before issue 18)
set -euo pipefail
cd "$(dirname "$0")/.."
FORMS=${1:-both}; RUNS=${2:-2}
PORT=${PORT:-18080}
WORK=$PWD/bench/work
mkdir -p "$WORK"
[ -f target/adhdkb.jar ] || ./mvnw -q -B package -DskipTests

descendants() { # $1 pid: it and all its descendants
  echo "$1"; for child in $(pgrep -P "$1" || true); do descendants "$child"; done
}

launch() { # $1 form, $2 data dir; prints "seconds server_rss_mib all_rss_mib"
  local form=$1 data=$2 start pid
  start=$(date +%s.%N)
  if [ "$form" = jar ]; then
    setsid java -jar target/adhdkb.jar --server.port=$PORT --adhdkb.data-dir="$data" >"$WORK/server.log" 2>&1 &
  else
    setsid ./mvnw -B spring-boot:run \
      -Dspring-boot.run.arguments="--server.port=$PORT --adhdkb.data-dir=$data" >"$WORK/server.log" 2>&1 &
  fi
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$PORT/fhir/metadata"; do
    kill -0 $pid 2>/dev/null || { echo "server died; see $WORK/server.log" >&2; exit 1; }
    sleep 0.05
  done
  local end server=0 all=0 rss
  end=$(date +%s.%N)
  sleep 2
  for p in $(descendants $pid); do
    rss=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$p/status 2>/dev/null || echo 0)
    all=$((all + rss))
    if grep -q adhdkb.data-dir /proc/$p/cmdline 2>/dev/null && [ "$rss" -gt "$server" ]; then server=$rss; fi
  done
  kill -TERM -- -$pid; wait $pid 2>/dev/null || true
  while pgrep -g $pid >/dev/null; do sleep 0.1; done
  echo "$(echo "$end - $start" | bc) s, server ${server} MiB, all ${all} MiB"
}

for form in jar run; do
  [ "$FORMS" = both ] || [ "$FORMS" = "$form" ] || continue
  name=$([ "$form" = jar ] && echo 'java -jar target/adhdkb.jar' || echo './mvnw spring-boot:run')
  echo "$name (start-up kit: ${ADHDKB_STARTUP_KIT:-true})"
  rm -rf "$WORK/db"
  echo "  first start (empty data directory): $(launch $form "$WORK/db")"
  for i in $(seq 1 "$RUNS"); do
    echo "  restart $i:                          $(launch $form "$WORK/db")"
  done
  rm -rf "$WORK/db"
done
