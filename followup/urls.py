"""The followup app's pages: the follow-up list and the deal page panel's actions."""

from django.urls import URLPattern, URLResolver, path

from followup import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("follow-up/", views.follow_up, name="follow-up"),
    path("deals/<int:deal_id>/milestones/", views.milestone_save, name="milestone-save"),
    path("deals/<int:deal_id>/visits/", views.visit_save, name="visit-save"),
    path("deals/<int:deal_id>/outcome/", views.outcome_save, name="outcome-save"),
]
