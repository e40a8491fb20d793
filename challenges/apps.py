from django.apps import AppConfig


class ChallengesConfig(AppConfig):
    name = "challenges"
    verbose_name = "揭榜挂帅与专家库"

    def ready(self) -> None:
        # `deals` asks, this app answers: the deal API's "support_amount" and the award's steps in
        # the deal history are registered here, so `deals` never imports this app.
        from django.utils.translation import gettext_lazy as _

        from challenges import tasks  # noqa: F401  (registers the tasks with the worker)
        from challenges.selectors import deal_history_events, deal_support_amount, present_amount
        from deals.extensions import register_deal_field, register_history_source
        from notifications.kinds import register_kind

        register_kind("review_invited", _("受邀评审"))
        register_deal_field("support_amount", deal_support_amount, present_amount)
        register_history_source(deal_history_events)
