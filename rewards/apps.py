from typing import Any

from django.apps import AppConfig

# Both signals are sent after the move has committed: the listeners send their task at once (a
# lost send is recovered by `sweep_registered_deals`).


def on_deal_state_changed(sender: Any, *, deal_id: int, to_state: str, **kwargs: Any) -> None:
    """A deal reached `registered`: its reward becomes due (computed by a task)."""
    if to_state != "registered":
        return
    from common.tasks import enqueue
    from rewards.tasks import compute_reward

    enqueue(compute_reward, deal_id, kwargs.get("actor_id"))


def on_registration_cancelled(sender: Any, *, deal_id: int, **kwargs: Any) -> None:
    from common.tasks import enqueue
    from rewards.tasks import registration_cancelled

    enqueue(
        registration_cancelled, deal_id, kwargs.get("actor_id"), str(kwargs.get("reason") or "")
    )


def on_payment_recorded(sender: Any, *, payment_id: int, **kwargs: Any) -> None:
    """Sent inside the payment's transaction: the partial reward is computed by a task after
    commit (a lost send is recovered by `sweep_unrewarded_payments`)."""
    from common.tasks import enqueue_on_commit
    from rewards.tasks import compute_payment_reward

    enqueue_on_commit(compute_payment_reward, payment_id, kwargs.get("actor_id"))


def on_payment_reversed(sender: Any, *, payment_id: int, **kwargs: Any) -> None:
    """In the reversal's transaction: the payment's reward is voided or clawed back with it."""
    from brokers.models import User
    from rewards.services import reward_payment_reversed

    actor_id = kwargs.get("actor_id")
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    reward_payment_reversed(
        payment_id=payment_id, actor=actor, reason=str(kwargs.get("reason") or "")
    )


def reward_lock(deal_id: int) -> str | None:
    """Deals ask: may this deal's facts still change? Not once its reward is approved or paid."""
    from django.utils.translation import gettext as _

    from rewards.models import Reward, RewardStatus

    statuses = [RewardStatus.APPROVED, RewardStatus.PAID]
    if Reward.objects.filter(deal_id=deal_id, active=True, status__in=statuses).exists():
        return str(_("奖励已审核或已发放"))
    return None


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = "经纪人奖励"

    def ready(self) -> None:
        # `deals`, `contracts` and `payments` announce, `rewards` listens: they never import
        # this app.
        from contracts.signals import registration_cancelled
        from deals.extensions import register_deal_lock
        from deals.signals import deal_state_changed

        register_deal_lock(reward_lock)

        from django.db.models.signals import post_save

        from rewards.models import Reward
        from rewards.notify import reward_saved

        post_save.connect(reward_saved, sender=Reward, dispatch_uid="rewards-notify")

        deal_state_changed.connect(on_deal_state_changed, dispatch_uid="rewards.deal_registered")

        from payments.signals import payment_recorded, payment_reversed

        payment_recorded.connect(on_payment_recorded, dispatch_uid="rewards.payment_recorded")
        payment_reversed.connect(on_payment_reversed, dispatch_uid="rewards.payment_reversed")
        registration_cancelled.connect(
            on_registration_cancelled, dispatch_uid="rewards.registration_cancelled"
        )
