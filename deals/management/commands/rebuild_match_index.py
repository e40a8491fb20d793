"""Recovery: rebuild the matching index from the database (every worker reloads on its next query)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from deals.matching.index import rebuild
from deals.matching.models import MatchKind


class Command(BaseCommand):
    help = "Rebuild the matching index of achievements and needs from the database."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--kind", choices=MatchKind.values, help="only this kind")

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = [options["kind"]] if options.get("kind") else list(MatchKind.values)
        for kind in kinds:
            started = time.perf_counter()
            index = rebuild(kind)
            self.stdout.write(
                f"{kind}: {len(index)} documents indexed in {time.perf_counter() - started:.1f} s"
            )
