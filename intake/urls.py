"""Page URLs of public submissions (included at the root)."""

from django.urls import path

from intake import views

urlpatterns = [
    path("needs/submit/", views.need_submit, name="demand-submit"),
    path("achievements/submit/", views.achievement_submit, name="achievement-submit"),
    path("submitted/", views.submitted, name="submitted"),
    path("status/", views.submission_status, name="submission-status"),
    path("triage/", views.triage, name="triage"),
    path("triage/<int:submission_id>/", views.triage_detail, name="triage-detail"),
    path("triage/<int:submission_id>/accept/", views.triage_accept, name="triage-accept"),
    path("triage/<int:submission_id>/merge/", views.triage_merge, name="triage-merge"),
    path("triage/<int:submission_id>/decline/", views.triage_decline, name="triage-decline"),
]
