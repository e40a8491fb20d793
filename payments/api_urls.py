from django.urls import URLPattern, URLResolver, path

from payments import api

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "contracts/<int:contract_id>/payments/",
        api.ContractPaymentsView.as_view(),
        name="contract-payments",
    ),
    path(
        "contracts/<int:contract_id>/payments/summary/",
        api.ContractPaymentSummaryView.as_view(),
        name="contract-payment-summary",
    ),
    path("payments/export/", api.PaymentExportView.as_view(), name="payment-export"),
    path("payments/<int:payment_id>/", api.PaymentDetailView.as_view(), name="payment-detail"),
    path(
        "payments/<int:payment_id>/reverse/",
        api.PaymentReverseView.as_view(),
        name="payment-reverse",
    ),
    path("payments/<int:payment_id>/scan/", api.PaymentScanView.as_view(), name="payment-scan"),
]
