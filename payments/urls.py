"""The payments app's pages: the actions of the deal page's payments panel."""

from django.urls import URLPattern, URLResolver, path

from payments import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("contracts/<int:contract_id>/payments/", views.payment_record, name="payment-record"),
    path("payments/<int:payment_id>/reverse/", views.payment_reverse, name="payment-reverse"),
]
