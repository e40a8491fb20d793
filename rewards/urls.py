"""The rewards app's pages: the reward ledger and finance's decisions on it."""

from django.urls import URLPattern, URLResolver, path

from rewards import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/<int:reward_id>/approve/", views.reward_approve, name="reward-approve"),
    path("ledger/<int:reward_id>/pay/", views.reward_pay, name="reward-pay"),
]
