#!/bin/sh
# hivemq-service start|stop|restart|status: the sandbox's stand-in for `systemctl ... hivemq`.
# It runs inside a node's mount namespace (over that node's ssh), where /opt/hivemq is the node's
# own folder, so the JVM it starts sees that node's conf/, data/ and /etc/ssl/hivemq.
# `sandbox up` fills in the @...@ values.
set -u

HIVEMQ_HOME=/opt/hivemq
PID_FILE="$HIVEMQ_HOME/hivemq.pid"
JAVA='@JAVA@'
CLASSPATH='@CLASSPATH@'
# Small heap: the sandbox runs several brokers on one machine. The --add-opens lines are the ones
# HiveMQ's own bin/run.sh passes on Java 11+.
JAVA_OPTS='@JAVA_OPTS@'
MAIN_CLASS=deploytls.sandbox.Launcher
# Empty, or `nsenter --net=…` for a node whose sshd lives in a network namespace of its own: like
# systemd, which starts a service in PID 1's context and not in the ssh session's, the broker then
# runs on the machine's network, where clients reach it.
NETNS_ENTER='@NETNS_ENTER@'
STOP_TIMEOUT_TENTHS=300
# tls.passwordsIn: environment puts the keystore passwords here; production loads the file with
# systemd's EnvironmentFile= (a drop-in for the hivemq unit), this script the same way for the JVM.
ENV_FILE=/etc/ssl/hivemq/hivemq-tls.env

# A zombie still answers kill -0; treat it as gone (this machine's init may not reap promptly).
alive() {
  [ -r "/proc/$1/stat" ] || return 1
  state=$(sed 's/^.*) \([A-Za-z]\).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$state" != Z ]
}

# Prints the PID when the recorded process is alive and still our broker (PIDs get reused).
running_pid() {
  [ -s "$PID_FILE" ] || return 1
  pid=$(cat "$PID_FILE")
  alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$MAIN_CLASS" || return 1
  echo "$pid"
}

# The file is written by deploy-tls in a format systemd and sh read alike (NAME="value" with \ " $ `
# escaped); like sshd's StrictModes, only a root-owned file no one else can read or write is used.
load_environment() {
  [ -e "$ENV_FILE" ] || return 0
  owner_mode=$(stat -c '%u %a' "$ENV_FILE") || return 1
  case "$owner_mode" in
    "0 600" | "0 400") ;;
    *)
      echo "$ENV_FILE must be root's and 0600 (it is uid $owner_mode): not starting" >&2
      return 1
      ;;
  esac
  set -a
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  set +a
}

start() {
  if pid=$(running_pid); then
    echo "running $pid"
    return 0
  fi
  load_environment || return 1
  mkdir -p "$HIVEMQ_HOME/log" "$HIVEMQ_HOME/data"
  # A broker that died without `stop` (killed, the machine rebooted) leaves its PID file: the wait
  # below would read that dead PID before the new JVM writes its own, and report a failed start.
  rm -f "$PID_FILE"
  # setsid + nohup + redirected stdio: the JVM must outlive the ssh session that started it.
  # The inner sh records its own PID and then execs java, so the PID file names the JVM itself.
  # shellcheck disable=SC2016
  # shellcheck disable=SC2086
  setsid nohup $NETNS_ENTER sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$PID_FILE" \
    "$JAVA" $JAVA_OPTS "-Dhivemq.home=$HIVEMQ_HOME" -cp "$CLASSPATH" "$MAIN_CLASS" \
    >>"$HIVEMQ_HOME/log/stdout.log" 2>&1 </dev/null &
  tenths=0
  while [ ! -s "$PID_FILE" ] && [ "$tenths" -lt 50 ]; do
    sleep 0.1
    tenths=$((tenths + 1))
  done
  if pid=$(running_pid); then
    echo "started $pid"
    return 0
  fi
  echo "hivemq did not start: see $HIVEMQ_HOME/log/stdout.log" >&2
  return 1
}

stop() {
  if ! pid=$(running_pid); then
    rm -f "$PID_FILE"
    echo "stopped"
    return 0
  fi
  kill -TERM "$pid"
  tenths=0
  while alive "$pid" && [ "$tenths" -lt "$STOP_TIMEOUT_TENTHS" ]; do
    sleep 0.1
    tenths=$((tenths + 1))
  done
  if alive "$pid"; then
    echo "hivemq $pid ignored SIGTERM for $((STOP_TIMEOUT_TENTHS / 10)) s: sending SIGKILL" >&2
    kill -KILL "$pid"
    while alive "$pid"; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  echo "stopped"
}

status() {
  if pid=$(running_pid); then
    echo "running $pid"
    return 0
  fi
  echo "stopped"
  return 3 # LSB: program is not running
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop >/dev/null && start ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|restart|status" >&2
    exit 2
    ;;
esac
