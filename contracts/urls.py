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
    path("contracts/<int:contract_id>/edit/", views.contract_edit, name="contract-edit"),
    path("contracts/<int:contract_id>/clauses/", views.contract_clauses, name="contract-clauses"),
    path(
        "contracts/<int:contract_id>/attachments/",
        views.contract_attachment_upload,
        name="contract-attachment-upload",
    ),
    path(
        "contracts/attachments/<int:attachment_id>/",
        views.contract_attachment_download,
        name="contract-attachment-download",
    ),
    path(
        "contracts/attachments/<int:attachment_id>/remove/",
        views.contract_attachment_remove,
        name="contract-attachment-remove",
    ),
]
