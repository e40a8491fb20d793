#!/usr/bin/env bash
# Back up DealDesk: the database (pg_dump custom format: compressed, restorable table by table,
# consistent without stopping the site) and the private media (contract PDFs, import files,
# challenge attachments). The matching index is not backed up: it is rebuilt from the database.
#
#   scripts/backup.sh [DIR]          DIR defaults to ./backups; DATABASE_URL and MEDIA_ROOT as the
#                                    site runs with them (docs/deploy.md, "Backups").
# Writes DIR/dealdesk-<UTC time>.dump and, when MEDIA_ROOT exists, DIR/dealdesk-<time>-media.tar.gz,
# and prints the dump's path on its last line.
set -euo pipefail
dir=${1:-backups}
url=${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to back up}
case "$url" in
  postgres://*|postgresql://*) ;;
  *) echo "backup: DATABASE_URL is not PostgreSQL ($url); back up the SQLite file by copying it." >&2; exit 2 ;;
esac
mkdir -p "$dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dump="$dir/dealdesk-$stamp.dump"
# Write to a temporary name first: a failed dump never looks like a good one.
pg_dump --format=custom --no-owner --no-privileges --dbname="$url" --file="$dump.part"
mv "$dump.part" "$dump"
media=${MEDIA_ROOT:-media}
if [ -d "$media" ]; then
  tar -czf "$dir/dealdesk-$stamp-media.tar.gz.part" -C "$media" .
  mv "$dir/dealdesk-$stamp-media.tar.gz.part" "$dir/dealdesk-$stamp-media.tar.gz"
fi
echo "$dump"
