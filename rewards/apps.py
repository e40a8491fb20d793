from typing import Any

from django.apps import AppConfig


def on_deal_state_changed(sender: Any, *, deal_id: int, to_state: str, **kwargs: Any) -> None:
    """A deal reached `registered`: its reward becomes due (computed by a task, after commit)."""
    if to_state != "registered":
        return
    from django.db import transaction

    from rewards.tasks import compute_reward

    actor_id = kwargs.get("actor_id")
    transaction.on_commit(lambda: compute_reward.delay(deal_id, actor_id))


def on_registration_cancelled(sender: Any, *, deal_id: int, **kwargs: Any) -> None:
    from django.db import transaction

    from rewards.tasks import registration_cancelled

    actor_id, reason = kwargs.get("actor_id"), str(kwargs.get("reason") or "")
    transaction.on_commit(lambda: registration_cancelled.delay(deal_id, actor_id, reason))


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = "经纪人奖励"

    def ready(self) -> None:
        # `deals` and `contracts` announce, `rewards` listens: they never import this app.
        from contracts.signals import registration_cancelled
        from deals.signals import deal_state_changed

        deal_state_changed.connect(on_deal_state_changed, dispatch_uid="rewards.deal_registered")
        registration_cancelled.connect(
            on_registration_cancelled, dispatch_uid="rewards.registration_cancelled"
        )
