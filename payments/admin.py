from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from common.admin import ReadOnlyAdminMixin
from payments.models import Payment


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Payments are recorded and reversed through the services (ceiling, lock, rewards)."""

    list_display = ["id", "deal", "received_on", "amount", "payer", "reference", "reversed_at"]
    list_filter = ["received_on"]
    search_fields = ["reference", "payer", "deal__title"]
    raw_id_fields = ["deal", "contract", "recorded_by", "reversed_by"]
