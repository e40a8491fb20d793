"""The web pages' URLs, composed above the apps (a page may show several apps' data)."""

from django.urls import URLPattern, URLResolver, path

from brokers import views as broker_views
from config import views
from deals import views as deal_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("signout/", broker_views.sign_out, name="sign-out"),
    path("board/", deal_views.board, name="board"),
    path("queue/", deal_views.queue, name="queue"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/<int:reward_id>/approve/", views.reward_approve_view, name="reward-approve"),
    path("ledger/<int:reward_id>/pay/", views.reward_pay_view, name="reward-pay"),
    path("needs/", deal_views.needs, name="needs"),
    path("needs/<int:demand_id>/take/", deal_views.need_take, name="need-take"),
    path("achievements/", deal_views.achievements, name="achievements"),
    path("needs/submit/", deal_views.demand_submit, name="demand-submit"),
    path("achievements/submit/", deal_views.achievement_submit, name="achievement-submit"),
    path("submitted/", deal_views.submitted, name="submitted"),
    path("deals/<int:deal_id>/", views.deal_detail, name="deal-detail"),
    path("deals/<int:deal_id>/request/", deal_views.deal_request, name="deal-request"),
    path("deals/<int:deal_id>/activities/", deal_views.deal_log_activity, name="deal-activity"),
    path("deals/<int:deal_id>/achievements/", deal_views.deal_link_achievement, name="deal-link"),
    path("deals/<int:deal_id>/brokers/", deal_views.deal_set_shares, name="deal-shares"),
    path("deals/<int:deal_id>/contract/", views.contract_draft, name="contract-draft"),
    path("contracts/<int:contract_id>/sign/", views.contract_sign, name="contract-sign"),
    path("contracts/<int:contract_id>/pdf/", views.contract_pdf, name="contract-pdf"),
    path(
        "contracts/<int:contract_id>/registration/",
        views.contract_registration,
        name="contract-registration",
    ),
    path("requests/<int:request_id>/approve/", deal_views.request_approve, name="request-approve"),
    path("requests/<int:request_id>/reject/", deal_views.request_reject, name="request-reject"),
    path(
        "requests/<int:request_id>/withdraw/", deal_views.request_withdraw, name="request-withdraw"
    ),
]
