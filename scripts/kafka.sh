#!/usr/bin/env bash
# A local single-node Apache Kafka broker (KRaft, combined broker+controller) without Docker.
#
#   scripts/kafka.sh start|stop|status|restart|bootstrap
#
# Jars come from Maven Central once (mvn dependency:copy-dependencies, scripts/kafka/pom.xml)
# into $CLAIMWATCH_CACHE/kafka-<version>/libs; the broker runs with the system Java 17.
#
# Environment:
#   KAFKA_VERSION          3.9.1 (default) or a 4.x version such as 4.1.0
#   KAFKA_HOST             127.0.0.1
#   KAFKA_PORT             9092  (PLAINTEXT listener)
#   KAFKA_CONTROLLER_PORT  9093  (KRaft controller listener)
#   CLAIMWATCH_CACHE       $HOME/.cache/claimwatch
#   CLAIMWATCH_KAFKA_DIR   $CLAIMWATCH_CACHE/run-<version>[-<port> when not 9092] (config, data, log)
#   KAFKA_HEAP_OPTS        -Xms512m -Xmx1g
#   KAFKA_START_TIMEOUT    90 (seconds to wait for a metadata answer)
#   JAVA                   java
# Files: <run dir>/server.properties, <run dir>/data, <run dir>/kafka.log,
#        $CLAIMWATCH_CACHE/kafka-<port>.pid (one broker per port, whatever the version).
# status exits 0 when running, 3 when not.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_VERSION="${KAFKA_VERSION:-3.9.1}"
KAFKA_HOST="${KAFKA_HOST:-127.0.0.1}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
CACHE="${CLAIMWATCH_CACHE:-$HOME/.cache/claimwatch}"
KAFKA_HOME="$CACHE/kafka-$KAFKA_VERSION"
LIBS="$KAFKA_HOME/libs"
RUN_DIR_DEFAULT="$CACHE/run-$KAFKA_VERSION"
if [[ "$KAFKA_PORT" != 9092 ]]; then RUN_DIR_DEFAULT+="-$KAFKA_PORT"; fi
RUN_DIR="${CLAIMWATCH_KAFKA_DIR:-$RUN_DIR_DEFAULT}"
DATA_DIR="$RUN_DIR/data"
LOG_FILE="$RUN_DIR/kafka.log"
PID_FILE="$CACHE/kafka-$KAFKA_PORT.pid"
JAVA="${JAVA:-java}"
HEAP="${KAFKA_HEAP_OPTS:--Xms512m -Xmx1g}"
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
BOOTSTRAP="$KAFKA_HOST:$KAFKA_PORT"

log() { echo "kafka.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# pid of the broker we started on this port, empty when none is alive
broker_pid() {
  [[ -f "$PID_FILE" ]] || return 0
  local pid
  pid="$(head -n1 "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'; then
    echo "$pid"
  fi
}

port_open() { (exec 3<>"/dev/tcp/$KAFKA_HOST/$1") 2>/dev/null; }

fetch() {
  if [[ -f "$LIBS/.complete" ]]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found (needed once to fetch Kafka $KAFKA_VERSION jars)"
  log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $LIBS"
  local tmp="$LIBS.tmp.$$" t0=$SECONDS
  rm -rf "$tmp"
  mkdir -p "$KAFKA_HOME"
  if ! mvn -B -q -f "$HERE/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
      dependency:copy-dependencies -DoutputDirectory="$tmp" >"$KAFKA_HOME/fetch.log" 2>&1; then
    tail -n 40 "$KAFKA_HOME/fetch.log" >&2
    rm -rf "$tmp"
    die "fetching Kafka $KAFKA_VERSION failed"
  fi
  ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null || die "kafka_2.13-$KAFKA_VERSION.jar missing after fetch"
  touch "$tmp/.complete"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  log "fetched $(ls "$LIBS" | wc -l) jars in $((SECONDS - t0)) s"
}

write_config() {
  mkdir -p "$RUN_DIR" "$DATA_DIR"
  cat >"$RUN_DIR/server.properties" <<EOF
# written by scripts/kafka.sh, rewritten on every start
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$DATA_DIR
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
log.retention.bytes=268435456
log.segment.bytes=67108864
log.retention.check.interval.ms=60000
EOF
  cat >"$RUN_DIR/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.controller=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF
  cat >"$RUN_DIR/log4j-quiet.properties" <<'EOF'
log4j.rootLogger=OFF
EOF
  # Kafka 4.x core also touches log4j2 (Log4jController): give it a config so it does not complain.
  cat >"$RUN_DIR/log4j2.properties" <<'EOF'
status = error
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = STDOUT
EOF
}

format_storage() {
  if [[ -f "$DATA_DIR/meta.properties" ]]; then return 0; fi
  local cid
  cid="$("$JAVA" -Dlog4j.configuration="file:$RUN_DIR/log4j-quiet.properties" \
         -cp "$LIBS/*" kafka.tools.StorageTool random-uuid | tail -n1)"
  log "formatting KRaft storage in $DATA_DIR (cluster $cid)"
  "$JAVA" -Dlog4j.configuration="file:$RUN_DIR/log4j-quiet.properties" -cp "$LIBS/*" \
    kafka.tools.StorageTool format -t "$cid" -c "$RUN_DIR/server.properties" >>"$RUN_DIR/format.log" 2>&1 \
    || { tail -n 30 "$RUN_DIR/format.log" >&2; die "storage format failed"; }
}

# wait until a metadata call answers; $1 timeout in s, $2 optional pid that must stay alive
wait_ready() {
  "$JAVA" -Dlog4j.configuration="file:$RUN_DIR/log4j-quiet.properties" -Xmx128m \
    -cp "$LIBS/*" "$HERE/kafka/Ready.java" "$BOOTSTRAP" "$1" ${2:+"$2"}
}

start() {
  local pid
  pid="$(broker_pid)"
  fetch
  write_config
  if [[ -n "$pid" ]]; then
    log "already running (pid $pid) on $BOOTSTRAP"
    wait_ready "$TIMEOUT" "$pid" >&2 || die "running broker (pid $pid) does not answer; see $LOG_FILE"
    return 0
  fi
  if port_open "$KAFKA_PORT"; then
    log "port $KAFKA_PORT is already in use by a process this script did not start; probing it"
    if wait_ready 15 >&2; then
      log "a broker already answers on $BOOTSTRAP; leaving it alone"
      return 0
    fi
    die "port $KAFKA_PORT is in use by something that is not a Kafka broker"
  fi
  if port_open "$KAFKA_CONTROLLER_PORT"; then
    die "controller port $KAFKA_CONTROLLER_PORT is in use (set KAFKA_CONTROLLER_PORT)"
  fi
  format_storage
  command -v "$JAVA" >/dev/null || die "java not found"
  local t0=$SECONDS
  log "starting Kafka $KAFKA_VERSION on $BOOTSTRAP (log $LOG_FILE)"
  echo "---- start $(date -Is) Kafka $KAFKA_VERSION" >>"$LOG_FILE"
  # shellcheck disable=SC2086
  nohup setsid "$JAVA" $HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$RUN_DIR/log4j.properties" \
    -Dlog4j2.configurationFile="$RUN_DIR/log4j2.properties" -Dkafka.logs.dir="$RUN_DIR/logs" \
    -cp "$LIBS/*" kafka.Kafka "$RUN_DIR/server.properties" >>"$LOG_FILE" 2>&1 </dev/null &
  pid=$!
  mkdir -p "$CACHE"
  printf '%s\n%s\n%s\n' "$pid" "$KAFKA_VERSION" "$RUN_DIR" >"$PID_FILE"
  if ! wait_ready "$TIMEOUT" "$pid" >&2; then
    log "broker did not answer within ${TIMEOUT}s; last log lines:"
    tail -n 40 "$LOG_FILE" >&2
    stop >/dev/null 2>&1 || true
    exit 1
  fi
  log "Kafka $KAFKA_VERSION up on $BOOTSTRAP (pid $pid) in $((SECONDS - t0)) s"
}

stop() {
  local pid
  pid="$(broker_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  log "stopping broker pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "still alive after 30 s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

status() {
  local pid
  pid="$(broker_pid)"
  if [[ -n "$pid" ]]; then
    echo "running (pid $pid, Kafka $(sed -n 2p "$PID_FILE"), $BOOTSTRAP)"
  elif port_open "$KAFKA_PORT"; then
    echo "running (not started by kafka.sh: something listens on $BOOTSTRAP)"
  else
    echo "not running"
    return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) status ;;
  bootstrap) echo "$BOOTSTRAP" ;;
  fetch) fetch ;;
  *) echo "usage: $0 start|stop|status|restart|bootstrap|fetch" >&2; exit 2 ;;
esac
