from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = "实施跟踪"

    def ready(self) -> None:
        # `deals` and `notifications` ask, `followup` answers: the deals' flags and API field,
        # the deal history's follow-up rows, the notification kind.
        from django.utils.translation import gettext_lazy as _

        from deals.extensions import (
            register_computed_deal_field,
            register_deal_flags,
            register_history_source,
        )
        from followup import tasks  # noqa: F401  (registers the sweep with the worker)
        from followup.flags import registration_field, registration_flags
        from followup.selectors import deal_history_events
        from followup.services import REGISTRATION_OVERDUE
        from notifications.kinds import register_kind

        register_kind(REGISTRATION_OVERDUE, _("合同登记超期"))
        register_computed_deal_field("registration_deadline", registration_field)
        register_deal_flags(registration_flags)
        register_history_source(deal_history_events)
