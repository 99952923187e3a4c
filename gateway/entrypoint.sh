#!/bin/sh
# The gateway image's entry point (gateway/Dockerfile): the addresses a container learns only when it starts,
# written where the rendered nginx.conf includes them, then nginx in the foreground as this (unprivileged) user.
#   SHOP_<SERVICE>_URL   http://host:port of each service of the route table (required, one per service)
#   SHOP_HOST, SHOP_PORT where to listen (default 0.0.0.0 and 8080)
#   SHOP_REAL_IP_FROM    the proxies in front (addresses or CIDRs, space-separated; default none): the client's
#                        address is taken from their X-Forwarded-For, and the scheme from X-Forwarded-Proto
# A missing or malformed setting stops the start with a line naming it, like every process of the shop.
set -eu

conf=/etc/shop/nginx.conf
run=/tmp/gateway
fail() { echo "gateway: $*" >&2; exit 1; }

mkdir -p "$run/upstreams"
for service in $(cat /etc/shop/upstreams); do
    name="SHOP_$(echo "$service" | tr 'a-z-' 'A-Z_')_URL"
    eval "url=\${$name:-}"
    [ -n "$url" ] || fail "$name is required: the address of the $service service (http://host:port)"
    address=${url#http://}
    address=${address%/}
    case "$url" in
        http://*) ;;
        *) fail "$name must be http://host:port, got '$url'" ;;
    esac
    case "$address" in
        *[!A-Za-z0-9.:\[\]-]* | *:*[!0-9]* | "" | :*) fail "$name must be http://host:port, got '$url'" ;;
        *:[0-9]*) ;;
        *) fail "$name must be http://host:port, got '$url'" ;;
    esac
    printf 'server %s;\n' "$address" > "$run/upstreams/$service.conf"
done

host=${SHOP_HOST:-0.0.0.0}
port=${SHOP_PORT:-8080}
case "$port" in *[!0-9]* | "") fail "SHOP_PORT must be a port number, got '$port'" ;; esac
case "$host" in *[!A-Za-z0-9.:\[\]-]* | "") fail "SHOP_HOST must be an address, got '$host'" ;; esac
printf 'listen %s:%s;\n' "$host" "$port" > "$run/listen.conf"

: > "$run/real-ip.conf"
: > "$run/trusted-proxies.conf"
for proxy in ${SHOP_REAL_IP_FROM:-}; do
    case "$proxy" in
        *[!0-9A-Fa-f.:/]*) fail "SHOP_REAL_IP_FROM holds addresses or CIDRs, got '$proxy'" ;;
    esac
    printf 'set_real_ip_from %s;\n' "$proxy" >> "$run/real-ip.conf"
    printf '%s 1;\n' "$proxy" >> "$run/trusted-proxies.conf"
done
if [ -s "$run/real-ip.conf" ]; then
    printf 'real_ip_header X-Forwarded-For;\nreal_ip_recursive on;\n' >> "$run/real-ip.conf"
fi

exec nginx -c "$conf" -e stderr -g 'daemon off;'
