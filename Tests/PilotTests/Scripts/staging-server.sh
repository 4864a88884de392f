#!/usr/bin/env bash
# nginx as the signed-URL object store of the stager's tests (STAGING.md section 6).
#
#   staging-server.sh --dir DIR --data DATA --http-port P --https-port Q
#                     [--secret S] [--limit-rate RATE] [--watch-pid PID]
#
# Writes DIR/nginx.conf and a self-signed certificate (DIR/tls/cert.pem, CN 127.0.0.1, SAN
# IP:127.0.0.1 and DNS:localhost, usable as the CA file), then runs nginx on 127.0.0.1:P (HTTP)
# and 127.0.0.1:Q (HTTPS, TLS 1.2/1.3) until SIGTERM. It serves DATA as:
#   /signed/NAME   GET or PUT with ?md5=SIG&expires=EPOCH, where SIG is the base64url MD5 (no
#                  padding) of "<EPOCH>/signed/NAME<METHOD> <S>" (sign.sh computes it). A bad
#                  signature gets 403 SignatureDoesNotMatch, an expired one 403 AccessDenied
#                  "Request has expired", both with an S3-like XML body. The method is signed,
#                  so HEAD or PUT with a GET-signed URL gets 403. PUT stores DATA/NAME (201).
#   /plain/NAME    unsigned GET, max_ranges 16, ETag (for benchmarks)
#   /limited/NAME  as /plain, at RATE per connection (limit_rate, default 20m)
#   /slowdown/ANY  503 SlowDown with Retry-After: 1
# Ranges, If-Match (412) and 416 at EOF are nginx's own.
#
# It makes itself the leader of a new process group, so that `kill -- -PID` stops it, nginx
# and nginx's workers, and nothing else. On SIGTERM it stops nginx (TERM, then KILL after 5 s).
# --watch-pid stops everything once that process is gone, so a crashed test run leaves no
# nginx behind. nginx's pid is in DIR/nginx.pid, which appears once it listens; its logs are in
# DIR/logs. Run as root, the workers run as nobody, and DATA's directories (and DIR/tmp) are
# given to that user so that PUT can write.
set -euo pipefail

# Foundation's Process (under swift test) starts children with nearly every signal blocked, and
# bash cannot unblock one: re-exec with an empty mask, or SIGTERM would never reach the trap.
if [[ -z "${STAGING_SERVER_UNBLOCKED:-}" ]] && grep -Eq '^SigBlk:\s*0*[1-9a-f]' "/proc/$$/status"; then
    export STAGING_SERVER_UNBLOCKED=1
    exec /usr/bin/python3 -c '
import os, signal, sys
signal.pthread_sigmask(signal.SIG_SETMASK, [])
for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(number, signal.SIG_DFL)
os.execv("/bin/bash", ["bash"] + sys.argv[1:])' "$0" "$@"
fi

# A new process group, led by this pid: setsid does not fork when the caller leads no group.
stat_line=$(</proc/$$/stat)
read -r _state _ppid pgid _rest <<<"${stat_line##*) }"
if [[ "$pgid" != "$$" ]]; then
    exec setsid bash "$0" "$@"
fi

usage() {
    echo "usage: $0 --dir DIR --data DATA --http-port P --https-port Q [--secret S] [--limit-rate RATE] [--watch-pid PID]" >&2
    exit 2
}

dir="" data="" http_port="" https_port="" secret="pilot-staging-secret" limit_rate="20m" watch_pid=""
while (($#)); do
    case "$1" in
        --dir) dir=$2 ;;
        --data) data=$2 ;;
        --http-port) http_port=$2 ;;
        --https-port) https_port=$2 ;;
        --secret) secret=$2 ;;
        --limit-rate) limit_rate=$2 ;;
        --watch-pid) watch_pid=$2 ;;
        *) usage ;;
    esac
    (($# >= 2)) || usage
    shift 2
done
[[ -n "$dir" && -n "$data" && -n "$http_port" && -n "$https_port" ]] || usage
# The secret and the rate go into nginx.conf verbatim.
[[ "$secret" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "$0: the secret must match [A-Za-z0-9._-]+" >&2; exit 2; }
[[ "$limit_rate" =~ ^[0-9]+[kKmMgG]?$ ]] || { echo "$0: bad --limit-rate $limit_rate" >&2; exit 2; }

nginx=$(command -v nginx || echo /usr/sbin/nginx)
dir=$(realpath "$dir")
data=$(realpath "$data")
mkdir -p "$dir/logs" "$dir/tmp" "$dir/tls"
rm -f "$dir/nginx.pid"

if [[ ! -s "$dir/tls/cert.pem" || ! -s "$dir/tls/key.pem" ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 \
        -keyout "$dir/tls/key.pem" -out "$dir/tls/cert.pem" -subj "/CN=127.0.0.1" \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -addext "basicConstraints=critical,CA:TRUE" 2>"$dir/logs/openssl.log"
fi

user_line=""
if ((EUID == 0)); then
    group=nogroup
    getent group nogroup >/dev/null || group=nobody
    user_line="user nobody $group;"
    # The workers must reach DIR (TLS files stay root's: only the master reads them).
    chmod a+rx "$dir" "$dir/logs"
    find "$data" "$dir/tmp" -type d -exec chown "nobody:$group" {} +
fi

xml='<?xml version="1.0" encoding="UTF-8"?>\n'
cat >"$dir/nginx.conf" <<EOF
# Written by staging-server.sh; see there.
$user_line
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 512; }

http {
    types { application/octet-stream bin dat root; }
    default_type application/octet-stream;
    log_format staging '\$remote_addr "\$request" \$status \$body_bytes_sent range="\$http_range" if_match="\$http_if_match"';
    access_log $dir/logs/access.log staging;

    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;

    sendfile on;
    etag on;
    max_ranges 16;
    client_max_body_size 0;
    keepalive_requests 10000;

    server {
        listen 127.0.0.1:$http_port;
        listen 127.0.0.1:$https_port ssl http2;
        server_name 127.0.0.1 localhost;
        ssl_certificate $dir/tls/cert.pem;
        ssl_certificate_key $dir/tls/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;

        location /signed/ {
            alias $data/;
            secure_link \$arg_md5,\$arg_expires;
            secure_link_md5 "\$secure_link_expires\$uri\$request_method $secret";
            if (\$secure_link = "") {
                return 403 '$xml<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>\n';
            }
            if (\$secure_link = "0") {
                return 403 '$xml<Error><Code>AccessDenied</Code><Message>Request has expired</Message><Expires>\$arg_expires</Expires><ServerTime>\$time_iso8601</ServerTime></Error>\n';
            }
            dav_methods PUT;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
        }

        location /plain/ {
            alias $data/;
        }

        location /limited/ {
            alias $data/;
            limit_rate $limit_rate;
        }

        location /slowdown/ {
            add_header Retry-After 1 always;
            return 503 '$xml<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>\n';
        }
    }
}
EOF

"$nginx" -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log"

"$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" -g 'daemon off;' &
nginx_pid=$!

# Whether a pid runs: `kill -0` also succeeds on a zombie, which an exited nginx stays until
# `wait` reaps it.
running() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ "${stat:0:1}" != Z ]]
}

stop() {
    # Ignore, not default: a second SIGTERM must not kill this shell before it reaps nginx.
    trap '' TERM INT HUP
    kill -TERM "$nginx_pid" 2>/dev/null || true
    for _ in $(seq 50); do
        running "$nginx_pid" || break
        sleep 0.1
    done
    # Anything left (a wedged master, orphaned workers) is in this group; so is this shell.
    if running "$nginx_pid" || pgrep -g "$$" -f "nginx: worker" >/dev/null 2>&1; then
        kill -KILL -- "-$$"
    fi
    wait "$nginx_pid" 2>/dev/null || true
    exit 0
}
trap stop TERM INT HUP

while running "$nginx_pid"; do
    if [[ -n "$watch_pid" ]] && ! kill -0 "$watch_pid" 2>/dev/null; then
        stop
    fi
    # A background sleep, so that a trapped signal is handled at once.
    sleep 0.2 &
    wait $! || true
done
status=0
wait "$nginx_pid" || status=$?
exit "$status"
