from django.urls import URLPattern, URLResolver, path

from contracts import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("deals/<int:deal_id>/contract/", api.DealContractView.as_view(), name="deal-contract"),
    path("contracts/<int:contract_id>/", api.ContractDetailView.as_view(), name="contract-detail"),
    path("contracts/<int:contract_id>/sign/", api.ContractSignView.as_view(), name="contract-sign"),
    path(
        "contracts/<int:contract_id>/new-version/",
        api.ContractNewVersionView.as_view(),
        name="contract-new-version",
    ),
    path(
        "contracts/<int:contract_id>/cancel/",
        api.ContractCancelView.as_view(),
        name="contract-cancel",
    ),
    path(
        "contracts/<int:contract_id>/versions/",
        api.ContractVersionsView.as_view(),
        name="contract-versions",
    ),
    path(
        "contracts/<int:contract_id>/history/",
        api.ContractHistoryView.as_view(),
        name="contract-history",
    ),
    path("contracts/<int:contract_id>/pdf/", api.ContractPdfView.as_view(), name="contract-pdf"),
    path(
        "contracts/<int:contract_id>/documents/",
        api.ContractDocumentsView.as_view(),
        name="contract-documents",
    ),
    path(
        "contracts/<int:contract_id>/documents/<int:document_id>/pdf/",
        api.ContractDocumentPdfView.as_view(),
        name="contract-document-pdf",
    ),
    path(
        "contracts/<int:contract_id>/registration/",
        api.ContractRegistrationView.as_view(),
        name="contract-registration",
    ),
    path(
        "contracts/<int:contract_id>/registration/cancel/",
        api.ContractRegistrationCancelView.as_view(),
        name="contract-registration-cancel",
    ),
    path(
        "contracts/<int:contract_id>/attachments/",
        api.ContractAttachmentsView.as_view(),
        name="contract-attachments",
    ),
    path(
        "contracts/<int:contract_id>/attachments/<int:attachment_id>/",
        api.ContractAttachmentFileView.as_view(),
        name="contract-attachment-file",
    ),
]
