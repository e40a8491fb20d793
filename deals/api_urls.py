from rest_framework.routers import SimpleRouter

from deals import api

router = SimpleRouter()
router.register("demands", api.DemandViewSet, basename="demand")
router.register("achievements", api.AchievementViewSet, basename="achievement")
router.register("deals", api.DealViewSet, basename="deal")
router.register("transition-requests", api.TransitionRequestViewSet, basename="transition-request")
router.register("activities", api.ActivityViewSet, basename="activity")
router.register("escalations", api.EscalationViewSet, basename="escalation")

urlpatterns = router.urls
