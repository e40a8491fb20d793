#!/usr/bin/env bash
# Restore a DealDesk backup made by scripts/backup.sh into the database named by DATABASE_URL.
#
#   scripts/restore.sh DUMP [--media MEDIA_TARBALL] [--yes]
#
# The target database is emptied first (pg_restore --clean), so the command refuses to run
# without --yes unless the database is empty. Stop the web processes, workers and beat first
# (docs/deploy.md, "Backups"); afterwards run `manage.py migrate` (a dump from an older release)
# and `manage.py rebuild_match_index`.
set -euo pipefail
dump=${1:?usage: scripts/restore.sh DUMP [--media TARBALL] [--yes]}
shift
media_tar=""
yes=0
while [ $# -gt 0 ]; do
  case "$1" in
    --media) media_tar=$2; shift 2 ;;
    --yes) yes=1; shift ;;
    *) echo "restore: unknown option $1" >&2; exit 2 ;;
  esac
done
url=${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to restore into}
[ -s "$dump" ] || { echo "restore: $dump is missing or empty" >&2; exit 2; }
pg_restore --list "$dump" >/dev/null  # refuses a file that is not a pg_dump archive
tables=$(psql "$url" -tAc "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
if [ "$tables" != "0" ] && [ "$yes" != "1" ]; then
  echo "restore: the target database has $tables tables; it will be replaced. Re-run with --yes." >&2
  exit 3
fi
pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
  --exit-on-error --dbname="$url" "$dump"
if [ -n "$media_tar" ]; then
  media=${MEDIA_ROOT:-media}
  mkdir -p "$media"
  tar -xzf "$media_tar" -C "$media"
fi
echo "restore: $dump restored"
