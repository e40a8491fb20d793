"""Connect the matching engine to writes of achievements and needs.

`DealsConfig.ready()` calls `connect()`. Every save or delete of an Achievement or a Demand,
whichever service or admin made it, schedules an index update after its transaction commits;
the request never waits for the index.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from deals.matching.models import MatchKind


def _on_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    from deals.matching.tasks import schedule_index_update
    from deals.models import Achievement

    if kwargs.get("raw"):
        return  # fixtures being loaded: `rebuild_match_index` covers them
    kind = MatchKind.ACHIEVEMENT if isinstance(instance, Achievement) else MatchKind.DEMAND
    schedule_index_update(kind, instance.pk)


def connect() -> None:
    from deals.matching import tasks  # noqa: F401  (registers the tasks with the worker)
    from deals.models import Achievement, Demand

    for model in (Achievement, Demand):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"matching-save-{model.__name__}")
        post_delete.connect(
            _on_change, sender=model, dispatch_uid=f"matching-delete-{model.__name__}"
        )
