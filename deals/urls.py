"""The deals app's pages (the deal page itself is composed in config with its contract and
reward; its actions are here)."""

from django.urls import URLPattern, URLResolver, path

from deals import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("board/", views.board, name="board"),
    path("queue/", views.queue, name="queue"),
    path("queue/bulk-approve/", views.queue_bulk_approve, name="queue-bulk-approve"),
    path("needs/", views.needs, name="needs"),
    path("needs/<int:demand_id>/take/", views.need_take, name="need-take"),
    path("achievements/", views.achievements, name="achievements"),
    path("deals/<int:deal_id>/request/", views.deal_request, name="deal-request"),
    path("deals/<int:deal_id>/activities/", views.deal_log_activity, name="deal-activity"),
    path(
        "deals/<int:deal_id>/activities/plan/", views.deal_plan_activity, name="deal-activity-plan"
    ),
    path("deals/<int:deal_id>/achievements/", views.deal_link_achievement, name="deal-link"),
    path("deals/<int:deal_id>/brokers/", views.deal_set_shares, name="deal-shares"),
    path("requests/<int:request_id>/approve/", views.request_approve, name="request-approve"),
    path("requests/<int:request_id>/reject/", views.request_reject, name="request-reject"),
    path("requests/<int:request_id>/withdraw/", views.request_withdraw, name="request-withdraw"),
]
