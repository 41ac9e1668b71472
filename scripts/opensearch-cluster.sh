#!/usr/bin/env bash
# A local OpenSearch cluster on loopback, for searchidx's tests and for trying the backend.
#
#   scripts/opensearch-cluster.sh start [--nodes N] [--dir DIR] [--port PORT] [--heap SIZE]
#                                       [--setting KEY=VALUE]... [--timeout SECONDS]
#   scripts/opensearch-cluster.sh stop [--dir DIR] [--node NAME]
#   scripts/opensearch-cluster.sh status [--dir DIR]
#
# start builds the launcher (scripts/opensearch/, Maven) when needed, starts one JVM per node in
# the background (each with DIR/node-K/{config,data,logs}), waits for the cluster to be yellow or
# green with every node in it, and prints the base URL of node-1 on standard output (the others'
# on standard error). PORT is node-1's HTTP port (node-K gets PORT+K-1; 0 picks free ports); the
# transport ports are free ones, kept in each node's config. Starting a run folder that already
# holds a cluster starts the nodes of it that are not running, with their data: a node stopped
# with `stop --node` comes back. stop ends every node (or one) and leaves no process.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
launcher="$here/opensearch"
dir="$launcher/run"
nodes=2
nodes_given=""
port=9200
heap=512m
timeout=180
node=""
settings=()

die() { echo "opensearch-cluster: $*" >&2; exit 2; }

command="${1:-}"
[[ -n "$command" ]] || die "give a command: start, stop or status"
shift
while [[ $# -gt 0 ]]; do
    case "$1" in
        --nodes) nodes="${2:?--nodes needs a number}"; nodes_given=1; shift 2 ;;
        --dir) dir="${2:?--dir needs a folder}"; shift 2 ;;
        --port) port="${2:?--port needs a number}"; shift 2 ;;
        --heap) heap="${2:?--heap needs a size such as 512m}"; shift 2 ;;
        --setting) settings+=("${2:?--setting needs KEY=VALUE}"); shift 2 ;;
        --timeout) timeout="${2:?--timeout needs seconds}"; shift 2 ;;
        --node) node="${2:?--node needs a node name such as node-2}"; shift 2 ;;
        *) die "unknown option '$1' (see the top of $0)" ;;
    esac
done
[[ "$nodes" =~ ^[1-9][0-9]*$ ]] || die "--nodes: '$nodes' is not a positive number"
[[ "$port" =~ ^[0-9]+$ ]] || die "--port: '$port' is not a port number"
[[ "$heap" =~ ^[0-9]+[mMgG]$ ]] || die "--heap: '$heap' is not a size such as 512m or 1g"
[[ "$timeout" =~ ^[0-9]+$ ]] || die "--timeout: '$timeout' is not a number of seconds"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

node_dirs() { find "$dir" -mindepth 1 -maxdepth 1 -type d -name 'node-*' | sort -V; }

# The process id of a node's JVM if it is running (its pid file names a live LocalNode of it).
running_pid() {
    local home="$1" pid
    [[ -f "$home/pid" ]] || return 1
    pid="$(cat "$home/pid")"
    [[ -r "/proc/$pid/cmdline" ]] || return 1
    tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "searchidx.opensearch.LocalNode $home" || return 1
    echo "$pid"
}

http_port() { sed -n 's/^http\.port: *//p' "$1/config/opensearch.yml"; }

build() {
    command -v java >/dev/null || die "java not found: install a Java 17 JDK"
    local stamp="$launcher/target/built"
    if [[ -f "$stamp" && -z "$(find "$launcher/pom.xml" "$launcher/src" -newer "$stamp" -type f)" ]]
    then
        return
    fi
    command -v mvn >/dev/null || die "mvn not found: install Maven to build $launcher"
    echo "opensearch-cluster: building the launcher (Maven)" >&2
    mkdir -p "$launcher/target"
    # offline first: after the first resolve everything is in ~/.m2
    if ! (cd "$launcher" && { mvn -q -B -o package || mvn -q -B package; }) \
        > "$launcher/target/build.log" 2>&1; then
        tail -n 30 "$launcher/target/build.log" >&2
        die "the Maven build in $launcher failed (the end of target/build.log is above)"
    fi
    touch "$stamp"
}

free_ports() {  # N ports free on 127.0.0.1 now
    python3 - "$1" <<'EOF'
import socket, sys
held = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    held.append(s)
print(" ".join(str(s.getsockname()[1]) for s in held))
EOF
}

port_taken() {
    python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)
EOF
}

configure() {  # write DIR/node-K/config/opensearch.yml for a new cluster of $nodes nodes
    local transport http names seeds k
    read -r -a transport <<< "$(free_ports "$nodes")"
    if [[ "$port" == 0 ]]; then
        read -r -a http <<< "$(free_ports "$nodes")"
    else
        http=()
        for ((k = 0; k < nodes; k++)); do
            if port_taken $((port + k)); then
                die "port $((port + k)) is in use on 127.0.0.1: pass --port with another one" \
                    "(0 for any free ports), or stop what holds it"
            fi
            http+=($((port + k)))
        done
    fi
    names=""; seeds=""
    for ((k = 1; k <= nodes; k++)); do
        names+="${names:+, }node-$k"
        seeds+="${seeds:+, }\"127.0.0.1:${transport[k-1]}\""
    done
    for ((k = 1; k <= nodes; k++)); do
        local home="$dir/node-$k"
        mkdir -p "$home/config" "$home/data" "$home/logs"
        {
            echo "cluster.name: searchidx-local"
            echo "node.name: node-$k"
            echo "path.data: $home/data"
            echo "path.logs: $home/logs"
            echo "network.host: 127.0.0.1"
            echo "http.port: ${http[k-1]}"
            echo "transport.port: ${transport[k-1]}"
            echo "discovery.seed_hosts: [$seeds]"
            echo "cluster.initial_cluster_manager_nodes: [$names]"
            # a test cluster on a shared disk: no read-only indices when the disk fills up
            echo "cluster.routing.allocation.disk.threshold_enabled: false"
            local setting
            for setting in "${settings[@]}"; do
                [[ "$setting" == *=* ]] || die "--setting: '$setting' is not KEY=VALUE"
                echo "${setting%%=*}: ${setting#*=}"
            done
        } > "$home/config/opensearch.yml"
        echo "$heap" > "$home/heap"
    done
}

launch() {  # start one node's JVM in the background, deaf to the terminal's hang-up
    local home="$1" classpath size
    classpath="$launcher/target/opensearch-launcher-1.jar:$(cat "$launcher/target/classpath.txt")"
    size="$(cat "$home/heap")"
    nohup java "-Xms$size" "-Xmx$size" -XX:+UseG1GC -Djava.awt.headless=true \
        -Dfile.encoding=UTF-8 -Djava.locale.providers=SPI,CLDR \
        -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true \
        -Dio.netty.recycler.maxCapacityPerThread=0 -Dlog4j.shutdownHookEnabled=false \
        -Dlog4j2.disable.jmx=true -XX:+HeapDumpOnOutOfMemoryError "-XX:HeapDumpPath=$home/logs" \
        -cp "$classpath" searchidx.opensearch.LocalNode "$home" \
        < /dev/null >> "$home/logs/node.log" 2>&1 &
    echo "$!" > "$home/pid"
}

stop_node() {  # SIGTERM (the node closes cleanly), then SIGKILL after 30 s
    local home="$1" pid k
    pid="$(running_pid "$home")" || { rm -f "$home/pid"; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for ((k = 0; k < 300; k++)); do
        [[ -d "/proc/$pid" ]] || break
        sleep 0.1
    done
    if [[ -d "/proc/$pid" ]]; then
        echo "opensearch-cluster: $(basename "$home") did not stop in 30 s; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
        while [[ -d "/proc/$pid" ]]; do sleep 0.1; done
    fi
    rm -f "$home/pid"
}

stop_all() { local home; for home in $(node_dirs); do stop_node "$home"; done; }

health() {  # the cluster health as one JSON line, from the first node that answers
    local home
    for home in $(node_dirs); do
        curl -sf --max-time 5 "http://127.0.0.1:$(http_port "$home")/_cluster/health" && return 0
    done
    return 1
}

start() {
    build
    local homes count home started
    homes="$(node_dirs)"
    if [[ -z "$homes" ]]; then
        configure
        homes="$(node_dirs)"
    else
        count="$(echo "$homes" | wc -l)"
        [[ -z "$nodes_given" || "$count" == "$nodes" ]] ||
            die "$dir holds a $count-node cluster: start it as it is, or stop it and" \
                "remove $dir for a new one"
        nodes="$count"
    fi
    started="$(date +%s)"
    for home in $homes; do
        running_pid "$home" >/dev/null || launch "$home"
    done
    local answer=""
    while true; do
        for home in $homes; do
            if ! running_pid "$home" >/dev/null; then
                echo "opensearch-cluster: $(basename "$home") exited; the end of its log:" >&2
                tail -n 20 "$home/logs/node.log" >&2
                stop_all
                exit 1
            fi
        done
        answer="$(health || true)"
        if [[ "$answer" =~ \"status\":\"(green|yellow)\" &&
              "$answer" =~ \"number_of_nodes\":$nodes, ]]; then
            break
        fi
        if (($(date +%s) - started > timeout)); then
            echo "opensearch-cluster: no healthy $nodes-node cluster after $timeout s" \
                 "(last health: ${answer:-no answer}); see $dir/node-*/logs/node.log" >&2
            stop_all
            exit 1
        fi
        sleep 1
    done
    for home in $homes; do
        echo "opensearch-cluster: $(basename "$home") http://127.0.0.1:$(http_port "$home")" \
             "(pid $(running_pid "$home"), heap $(cat "$home/heap"))" >&2
    done
    echo "opensearch-cluster: $nodes nodes up in $(($(date +%s) - started)) s; stop them with:" \
         "$0 stop --dir $dir" >&2
    echo "http://127.0.0.1:$(http_port "$(echo "$homes" | head -n 1)")"
}

status() {
    local homes home pid
    homes="$(node_dirs)"
    [[ -n "$homes" ]] || { echo "no cluster in $dir"; return 1; }
    for home in $homes; do
        if pid="$(running_pid "$home")"; then
            echo "$(basename "$home") running pid $pid http://127.0.0.1:$(http_port "$home")"
        else
            echo "$(basename "$home") stopped"
        fi
    done
    health || { echo "no node answers"; return 1; }
    echo
}

case "$command" in
    start) start ;;
    stop)
        if [[ -n "$node" ]]; then
            [[ -d "$dir/$node" ]] || die "--node: no $node in $dir"
            stop_node "$dir/$node"
        else
            stop_all
        fi ;;
    status) status ;;
    *) die "unknown command '$command': use start, stop or status" ;;
esac
