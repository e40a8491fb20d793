from rest_framework.routers import SimpleRouter

from records import api

router = SimpleRouter()
router.register("enterprises", api.EnterpriseViewSet, basename="enterprise")
router.register("institutions", api.InstitutionViewSet, basename="institution")

urlpatterns = router.urls
