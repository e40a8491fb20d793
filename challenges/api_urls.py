from django.urls import path
from rest_framework.routers import SimpleRouter

from challenges import api

router = SimpleRouter()
router.register("experts", api.ExpertViewSet, basename="expert")
router.register("challenges", api.ChallengeViewSet, basename="challenge")
router.register("public/challenges", api.PublicChallengeViewSet, basename="public-challenge")
router.register("reviews", api.ReviewViewSet, basename="review")

urlpatterns = [
    path(
        "public/proposals/<str:reference>/",
        api.PublicProposalView.as_view(),
        name="public-proposal",
    ),
    path("deals/<int:deal_id>/reviewers/", api.DealReviewersView.as_view(), name="deal-reviewers"),
    path(
        "attachments/<int:attachment_id>/",
        api.AttachmentView.as_view(),
        name="api-attachment",
    ),
    *router.urls,
]
