"""The contracts app's pages: the actions of the deal page's contract panel."""

from django.urls import URLPattern, URLResolver, path

from contracts import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("deals/<int:deal_id>/contract/", views.contract_draft, name="contract-draft"),
    path("contracts/<int:contract_id>/sign/", views.contract_sign, name="contract-sign"),
    path("contracts/<int:contract_id>/pdf/", views.contract_pdf, name="contract-pdf"),
    path(
        "contracts/<int:contract_id>/registration/",
        views.contract_registration,
        name="contract-registration",
    ),
]
