"""Import achievements or needs from a CSV / XLSX file, as the API does, printing progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from brokers.models import User
from common.exceptions import DomainError
from deals.matching.models import ImportJob, ImportKind
from deals.matching.services import import_job_create, import_job_run


class Command(BaseCommand):
    help = "Import achievements or needs (CSV or XLSX). Re-importing a file creates no duplicates."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("path")
        parser.add_argument("--user", required=True, help="username of the importing user")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["user"])
        except User.DoesNotExist as exc:
            raise CommandError(f"no user {options['user']!r}") from exc
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"no file {path}")
        with path.open("rb") as fh:
            upload = File(fh, name=path.name)
            try:
                job = import_job_create(actor=user, kind=options["kind"], upload=upload)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        # The job was queued on commit (eager: already done). Run it here if it is still
        # pending, so the command works without a worker; running a job twice is harmless.
        job.refresh_from_db()
        if job.status == "pending":
            job = import_job_run(job_id=job.pk)
        job = ImportJob.objects.get(pk=job.pk)
        self.stdout.write(
            f"job {job.pk} {job.status}: {job.progress}/{job.total} rows, "
            f"{job.created_count} created, {job.updated_count} updated, "
            f"{job.unchanged_count} unchanged, {len(job.errors)} errors"
        )
        for error in job.errors:
            self.stdout.write(f"  row {error['row']} [{error['field']}]: {error['message']}")
        if job.failure:
            raise CommandError(job.failure)
