"""Page URLs of open challenges, expert reviews and the expert library (included at the root)."""

from django.urls import path

from challenges import views

urlpatterns = [
    path("challenges/", views.challenge_list, name="challenge-list"),
    path("challenges/<int:challenge_id>/", views.challenge_detail, name="challenge-detail"),
    path("challenges/submitted/", views.proposal_submitted, name="challenge-submitted"),
    path("challenges/proposal/", views.proposal_status, name="proposal-status"),
    path(
        "challenges/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path("challenges/manage/", views.manage_list, name="challenge-manage-list"),
    path("challenges/manage/new/", views.publish, name="challenge-publish"),
    path("challenges/manage/<int:challenge_id>/", views.manage_detail, name="challenge-manage"),
    path("challenges/manage/<int:challenge_id>/panel/", views.manage_panel, name="challenge-panel"),
    path("challenges/manage/<int:challenge_id>/award/", views.manage_award, name="challenge-award"),
    path("challenges/manage/<int:challenge_id>/close/", views.manage_close, name="challenge-close"),
    path("experts/", views.expert_library, name="expert-library"),
    path("reviews/", views.review_home, name="review-home"),
    path("reviews/challenges/<int:challenge_id>/", views.review_challenge, name="review-challenge"),
    path("reviews/proposals/<int:proposal_id>/", views.review_submit, name="review-submit"),
    path("reviews/deals/<int:deal_id>/", views.review_deal, name="review-deal"),
    path("deals/<int:deal_id>/experts/", views.deal_invite, name="deal-invite-experts"),
]
