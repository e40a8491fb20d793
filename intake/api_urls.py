from django.urls import path
from rest_framework.routers import SimpleRouter

from intake import api

router = SimpleRouter()
router.register("submissions", api.SubmissionViewSet, basename="submission")

urlpatterns = [
    path("public/needs/", api.PublicNeedView.as_view(), name="public-need"),
    path("public/achievements/", api.PublicAchievementView.as_view(), name="public-achievement"),
    path("public/status/", api.PublicStatusView.as_view(), name="public-status"),
    *router.urls,
]
