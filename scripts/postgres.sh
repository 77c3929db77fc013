#!/usr/bin/env bash
# Makes sure a PostgreSQL server runs on 127.0.0.1:5432 with a `hotline` superuser (password `hotline`) for the
# tests. Installs Debian's postgresql when it is missing; starts the cluster as the postgres user (it refuses root).
set -euo pipefail

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "== installing PostgreSQL (Debian package)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1"/"$2}' | grep -q "^${version}/main$"; then
    pg_createcluster "$version" main >/dev/null
fi
if ! pg_lsclusters -h | awk '$1=="'"$version"'" && $2=="main" {print $4}' | grep -q online; then
    # A test database is disposable: no fsync makes the suite faster and loses nothing that matters. The tests size
    # themselves to any server (PostgresBudget; a stock one with max_connections 100 runs them too); 500 lets more
    # of them use PostgreSQL at once. A cluster that is already running is used as it is.
    pg_ctlcluster "$version" main start -- -o "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=500" \
        || pg_ctlcluster "$version" main start
fi
for _ in $(seq 1 30); do
    su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
    sleep 1
done
su postgres -c "psql -qtAc \"select 1 from pg_roles where rolname='hotline'\"" | grep -q 1 \
    || su postgres -c "psql -qc \"create role hotline with login superuser password 'hotline'\""
echo "== PostgreSQL ${version} ready on 127.0.0.1:5432"
