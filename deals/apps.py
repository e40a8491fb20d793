from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "deals"
    verbose_name = "需求、成果与项目"

    def ready(self) -> None:
        from django.core.checks import register

        from common.workdays import calendar_check

        register(calendar_check)
        from django.db.models.signals import post_save
        from django.utils.translation import gettext_lazy
        from django_fsm.signals import post_transition

        from deals import notify as deal_notify
        from notifications.kinds import register_kind

        register_kind(deal_notify.DOUBLE_BROKERING, gettext_lazy("重复撮合预警"))
        from deals import tasks  # noqa: F401  (registers the sweep with the worker)
        from deals.matching import wiring
        from deals.models import Deal, TransitionRequest
        from deals.services import close_pause_on_move

        def on_transition(sender: type, instance: Deal, **kwargs: object) -> None:
            close_pause_on_move(instance)
            deal_notify.deal_moved(instance)

        post_transition.connect(on_transition, sender=Deal, weak=False, dispatch_uid="deal-pause")
        post_save.connect(
            deal_notify.request_saved,
            sender=TransitionRequest,
            weak=False,
            dispatch_uid="request-notify",
        )

        # Keep the matching index current whenever a need or an achievement is written.
        wiring.connect()
