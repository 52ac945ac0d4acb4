#!/usr/bin/env bash
# Backs up and restores the bot's two PostgreSQL databases, the facility records (DATABASE_URL) and
# the conversations (TRACKER_STORE_URL), with pg_dump's custom format (docs/deploy.md, "Backups").
#   scripts/backup.sh backup FOLDER    writes FOLDER/<UTC time>/facilities.dump and conversations.dump
#   scripts/backup.sh restore FOLDER   puts a backup's two dumps back (FOLDER: one <UTC time> folder), each in
#                                      one transaction: the databases must exist (empty or not: what they hold is
#                                      replaced); stop the bot first
# Needs pg_dump and pg_restore of the server's major version or newer (Debian's postgresql-client).
# tests/store/test_backup_restore.py backs up, wipes and restores a database with it.
set -euo pipefail

die() { echo "backup.sh: $*" >&2; exit 1; }

# SQLAlchemy's URL (postgresql+psycopg2://...) as libpq's (postgresql://...).
libpq_url() {
  local url=$1
  [[ $url == postgresql* ]] || die "not a PostgreSQL URL: ${url%%://*}://..."
  echo "postgresql://${url#*://}"
}

[[ -n ${DATABASE_URL:-} && -n ${TRACKER_STORE_URL:-} ]] || die "set DATABASE_URL and TRACKER_STORE_URL (the bot's own)"
command -v pg_dump >/dev/null || die "pg_dump not found: apt-get install postgresql-client"
facilities=$(libpq_url "$DATABASE_URL")
conversations=$(libpq_url "$TRACKER_STORE_URL")

case ${1:-} in
  backup)
    [[ -n ${2:-} ]] || die "usage: $0 backup FOLDER"
    folder="$2/$(date -u +%Y-%m-%dT%H%M%SZ)"
    mkdir -p "$folder"
    pg_dump --format=custom --no-owner --no-privileges --dbname="$facilities" --file="$folder/facilities.dump"
    pg_dump --format=custom --no-owner --no-privileges --dbname="$conversations" --file="$folder/conversations.dump"
    echo "$folder"
    ;;
  restore)
    folder=${2:-}
    [[ -f $folder/facilities.dump && -f $folder/conversations.dump ]] \
      || die "usage: $0 restore FOLDER (a folder that \`backup\` wrote, with facilities.dump and conversations.dump)"
    for pair in "facilities.dump $facilities" "conversations.dump $conversations"; do
      read -r file url <<<"$pair"
      pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error --single-transaction \
        --dbname="$url" "$folder/$file"
    done
    echo "restored $folder"
    ;;
  *)
    echo "usage: $0 backup FOLDER | restore FOLDER" >&2
    exit 2
    ;;
esac
