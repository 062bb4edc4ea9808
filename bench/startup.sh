#!/usr/bin/env bash
# Start-up time and memory: launches the server, polls /fhir/metadata until it answers 200 (content is loaded
# before the web server accepts connections), and reads the resident memory of the process.
#   bench/startup.sh [--cds] [runs]
# Measures a first start on an empty database and restarts on the existing one, plain `java -jar` and, with
# --cds, the extracted jar with an AppCDS archive (built here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
CDS=0; RUNS=3
for arg in "$@"; do case "$arg" in --cds) CDS=1 ;; *) RUNS=$arg ;; esac; done
PORT=${PORT:-18080}
# The JVM options README gives for running the jar; C1_ONLY=0 measures the --cds mode without -XX:TieredStopAtLevel=1.
JAVA_OPTS=${JAVA_OPTS:--Xmx512m}
C1_ONLY=${C1_ONLY:-1}
TIER=$([ "$C1_ONLY" = 1 ] && echo "-XX:TieredStopAtLevel=1" || true)
# Absolute: an AppCDS archive only serves the class path it was dumped with, compared as written.
WORK=$PWD/bench/work
mkdir -p "$WORK"
[ -f target/adhdkb.jar ] || ./mvnw -q -B package -DskipTests

launch() { # $1 data dir; prints "seconds rss_mib"
  local data=$1 start pid
  start=$(date +%s.%N)
  if [ "$CDS" = 1 ]; then
    java $JAVA_OPTS -XX:SharedArchiveFile="$WORK/app.jsa" $TIER -jar "$WORK/extracted/adhdkb.jar" \
      --server.port=$PORT --adhdkb.data-dir="$data" >"$WORK/server.log" 2>&1 &
  else
    java $JAVA_OPTS -jar target/adhdkb.jar --server.port=$PORT --adhdkb.data-dir="$data" >"$WORK/server.log" 2>&1 &
  fi
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$PORT/fhir/metadata"; do
    kill -0 $pid 2>/dev/null || { echo "server died; see $WORK/server.log" >&2; exit 1; }
    sleep 0.05
  done
  local end rss
  end=$(date +%s.%N)
  sleep 2
  rss=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$pid/status)
  kill $pid; wait $pid 2>/dev/null || true
  echo "$(echo "$end - $start" | bc) $rss"
}

# The extracted jar and its archive are made again whenever the jar is newer (a stale archive is ignored by the JVM).
if [ "$CDS" = 1 ] && { [ ! -f "$WORK/app.jsa" ] || [ target/adhdkb.jar -nt "$WORK/app.jsa" ]; }; then
  rm -rf "$WORK/extracted"
  java -Djarmode=tools -jar target/adhdkb.jar extract --destination "$WORK/extracted" >/dev/null
  # JDK 17's -XX:ArchiveClassesAtExit crashes on this application; a static archive from a class list works.
  # Training run: a whole start (content loaded, first request answered), so that the classes used after the
  # context refresh are archived too; stopped normally, which writes the class list.
  java $JAVA_OPTS -XX:DumpLoadedClassList="$WORK/classes.lst" -jar "$WORK/extracted/adhdkb.jar" \
    --server.port=$PORT --adhdkb.data-dir="$WORK/cds-db" >"$WORK/training.log" 2>&1 &
  trainer=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$PORT/fhir/metadata"; do
    kill -0 $trainer 2>/dev/null || { echo "training run died; see $WORK/training.log" >&2; exit 1; }
    sleep 0.2
  done
  kill $trainer; wait $trainer 2>/dev/null || true
  grep -v '@lambda-proxy' "$WORK/classes.lst" > "$WORK/classes-static.lst"
  java -Xshare:dump -XX:SharedClassListFile="$WORK/classes-static.lst" -XX:SharedArchiveFile="$WORK/app.jsa" \
    -cp "$WORK/extracted/adhdkb.jar" >/dev/null 2>&1
  rm -rf "$WORK/cds-db"
fi

rm -rf "$WORK/db"
echo "mode: $([ "$CDS" = 1 ] && echo "extracted jar + AppCDS $TIER" || echo 'java -jar'), JAVA_OPTS=$JAVA_OPTS"
echo "first start (empty database, content validated and written): $(launch "$WORK/db") (s, RSS MiB)"
for i in $(seq 1 "$RUNS"); do
  echo "restart $i (content unchanged):                            $(launch "$WORK/db") (s, RSS MiB)"
done
rm -rf "$WORK/db"
