#!/usr/bin/env bash
# Configures the PostgreSQL cluster the package created (<version>/main): listens on loopback
# and, with the Docker runtime, on the bridge gateway for the app container (scram-sha-256
# from the bridge subnet only; never a public address). Creates the app's role and database
# with a password generated HERE (never in user-data), stored in a 0600 env file the app
# container receives with --env-file.
# Env: PG_VERSION, PG_LISTEN (listen_addresses), PG_BRIDGE_SUBNET (empty = none),
#      PG_CLIENT_HOST (host written into DATABASE_URL), PG_DATABASE, PG_USER,
#      PG_AFTER_DOCKER (true|false).
set -euo pipefail

: "${PG_VERSION:?PG_VERSION must be set}"
: "${PG_LISTEN:?PG_LISTEN must be set}"
: "${PG_CLIENT_HOST:?PG_CLIENT_HOST must be set}"
: "${PG_DATABASE:?PG_DATABASE must be set}"
: "${PG_USER:?PG_USER must be set}"
config_dir="/etc/postgresql/${PG_VERSION}/main"
unit="postgresql@${PG_VERSION}-main.service"
secret_env=/etc/linode-build/postgresql.env

if [[ ! -d "$config_dir" ]]; then
  echo "postgresql: cluster ${PG_VERSION}/main does not exist (pg_lsclusters: $(pg_lsclusters --no-header 2>&1))" >&2
  exit 1
fi
port="$(pg_conftool -s "$PG_VERSION" main show port)"
if [[ "$port" != 5432 ]]; then
  echo "postgresql: cluster ${PG_VERSION}/main uses port $port, expected 5432 (another cluster exists?)" >&2
  exit 1
fi

install -d -m 0755 -o postgres -g postgres "$config_dir/conf.d"
printf "# Written by linode-build (postgresql capability).\nlisten_addresses = '%s'\n" "$PG_LISTEN" >"$config_dir/conf.d/linode-build.conf"
chown postgres:postgres "$config_dir/conf.d/linode-build.conf"

hba="$config_dir/pg_hba.conf"
marker="# linode-build: the app container on the Docker bridge"
if [[ -n "${PG_BRIDGE_SUBNET:-}" ]] && ! grep -qxF "$marker" "$hba"; then
  printf '%s\nhost all all %s scram-sha-256\n' "$marker" "$PG_BRIDGE_SUBNET" >>"$hba"
fi

if [[ "${PG_AFTER_DOCKER:-false}" == true ]]; then
  install -d -m 0755 /etc/systemd/system/postgresql@.service.d
  printf '[Unit]\nAfter=docker.service\nWants=docker.service\n' >/etc/systemd/system/postgresql@.service.d/linode-build.conf
  systemctl daemon-reload
fi

systemctl enable postgresql.service
systemctl restart "$unit"

deadline=$((SECONDS + 60))
until pg_isready -q -h 127.0.0.1 -p 5432; do
  if ((SECONDS >= deadline)); then
    echo "postgresql: the server did not accept connections within 60s" >&2
    journalctl -u "$unit" -n 20 --no-pager >&2 || true
    exit 1
  fi
  sleep 1
done

install -d -m 0700 -o root -g root /etc/linode-build
password=""
if [[ -f "$secret_env" ]]; then
  password="$(sed -n 's/^PGPASSWORD=//p' "$secret_env")"
fi
if [[ -z "$password" ]]; then
  password="$(openssl rand -hex 32)"
fi

# Names are passed as psql variables and quoted by format(%I/%L); the password is hex.
runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -v app_user="$PG_USER" -v app_db="$PG_DATABASE" <<SQL
\\set app_password '${password}'
SELECT format('CREATE ROLE %I LOGIN', :'app_user')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \\gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'app_user', :'app_password') \\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'app_db', :'app_user')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'app_db') \\gexec
SQL

umask 077
{
  printf 'PGUSER=%s\nPGPASSWORD=%s\nPGDATABASE=%s\n' "$PG_USER" "$password" "$PG_DATABASE"
  printf 'DATABASE_URL=postgresql://%s:%s@%s:5432/%s\n' "$PG_USER" "$password" "$PG_CLIENT_HOST" "$PG_DATABASE"
} >"$secret_env.tmp"
mv "$secret_env.tmp" "$secret_env"
echo "postgresql: ${PG_VERSION} ready on ${PG_LISTEN}, database ${PG_DATABASE} owned by ${PG_USER}"
