"""The payments API (docs/api.md, "Payments received"). Views resolve the contract or payment for
the user first (404 for what they may not see), ask the permission rule (403) before reading the
body, parse it, and call one service each."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brokers.requests import signed_in
from common.exceptions import ValidationFailed
from common.files import private_file_response
from common.spreadsheet import XLSX_CONTENT_TYPE
from contracts.selectors import contract_get_for_user
from payments import exports, permissions, selectors, services
from payments.models import Payment


class PaymentSerializer(serializers.ModelSerializer):
    reversed = serializers.BooleanField(source="is_reversed", read_only=True)
    recorded_by_name = serializers.SerializerMethodField()
    scan = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "deal",
            "contract",
            "received_on",
            "amount",
            "payer",
            "reference",
            "scan",
            "recorded_by",
            "recorded_by_name",
            "recorded_at",
            "reversed",
            "reversed_at",
            "reversed_by",
            "reverse_reason",
        ]
        read_only_fields = fields

    def get_recorded_by_name(self, obj: Payment) -> str | None:
        return str(obj.recorded_by) if obj.recorded_by else None

    def get_scan(self, obj: Payment) -> dict[str, Any] | None:
        if not obj.scan:
            return None
        return {
            "name": obj.scan_name,
            "content_type": obj.scan_content_type,
            "size": obj.scan_size,
            "sha256": obj.scan_sha256,
        }


class PaymentInputSerializer(serializers.Serializer):
    received_on = serializers.DateField()
    # Two places at most, more than zero: "12.345", "0", "-5" are 400s naming the field.
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=Decimal("0.01"))
    payer = serializers.CharField(max_length=200)
    reference = serializers.CharField(max_length=100)
    scan = serializers.FileField(required=False, allow_empty_file=False)


class ReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class InstalmentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_on = serializers.DateField(allow_null=True)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    note = serializers.CharField()
    received = serializers.DecimalField(max_digits=18, decimal_places=2)
    outstanding = serializers.DecimalField(max_digits=18, decimal_places=2)
    status = serializers.CharField()


class SummarySerializer(serializers.Serializer):
    contract_amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    scheduled = serializers.DecimalField(max_digits=18, decimal_places=2)
    received = serializers.DecimalField(max_digits=18, decimal_places=2)
    outstanding = serializers.DecimalField(max_digits=18, decimal_places=2)
    instalments = InstalmentSerializer(many=True)


class ContractPaymentsView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses=PaymentSerializer(many=True))
    def get(self, request: Request, contract_id: int) -> Response:
        """The deal's payments (every contract version's), reversed ones included."""
        contract = contract_get_for_user(user=signed_in(request), contract_id=contract_id)
        payments = selectors.payments_for_deal(contract.deal_id)
        return Response(PaymentSerializer(payments, many=True).data)

    @extend_schema(request=PaymentInputSerializer, responses={201: PaymentSerializer})
    def post(self, request: Request, contract_id: int) -> Response:
        user = signed_in(request)
        contract = contract_get_for_user(user=user, contract_id=contract_id)
        permissions.may_record_payment.require(user, contract.deal)
        body = PaymentInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payment = services.payment_record(contract=contract, actor=user, **body.validated_data)
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class ContractPaymentSummaryView(APIView):
    @extend_schema(responses=SummarySerializer)
    def get(self, request: Request, contract_id: int) -> Response:
        """Scheduled against received: each instalment paid, partly paid, due or overdue."""
        contract = contract_get_for_user(user=signed_in(request), contract_id=contract_id)
        summary = selectors.schedule_status(
            contract,
            received=selectors.received_total(contract.deal_id),
            today=timezone.localdate(),
        )
        data = {
            "contract_amount": summary.contract_amount,
            "scheduled": summary.scheduled,
            "received": summary.received,
            "outstanding": summary.outstanding,
            "instalments": [
                {**i.__dict__, "outstanding": i.outstanding} for i in summary.instalments
            ],
        }
        return Response(SummarySerializer(data).data)


class PaymentDetailView(APIView):
    """Read only: a payment is never edited or deleted (DELETE is 405); reverse it instead."""

    @extend_schema(responses=PaymentSerializer)
    def get(self, request: Request, payment_id: int) -> Response:
        payment = selectors.payment_get_for_user(user=signed_in(request), payment_id=payment_id)
        return Response(PaymentSerializer(payment).data)


class PaymentReverseView(APIView):
    @extend_schema(request=ReverseSerializer, responses=PaymentSerializer)
    def post(self, request: Request, payment_id: int) -> Response:
        user = signed_in(request)
        payment = selectors.payment_get_for_user(user=user, payment_id=payment_id)
        permissions.may_reverse_payment.require(user, payment.deal)
        body = ReverseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payment = services.payment_reverse(
            payment=payment, actor=user, reason=body.validated_data["reason"]
        )
        return Response(PaymentSerializer(payment).data)


class PaymentScanView(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, payment_id: int) -> FileResponse:
        """The bank slip, to those who see the deal (private: never a public media URL)."""
        payment = selectors.payment_get_for_user(user=signed_in(request), payment_id=payment_id)
        if not payment.scan:
            raise Http404
        return private_file_response(
            payment.scan,
            filename=payment.scan_name or f"payment-{payment.pk}",
            content_type=payment.scan_content_type or "application/octet-stream",
        )


class PaymentExportView(APIView):
    """Every payment the user may see (`?deal=` for one deal's) as an XLSX workbook."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The answer is a file; its errors still render as JSON (`?format=` is not a renderer).
        return (JSONRenderer(), JSONRenderer.media_type)

    @extend_schema(
        parameters=[OpenApiParameter("deal", int, description="one deal's payments")],
        responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request: Request) -> HttpResponse:
        qs = selectors.payments_visible_to(signed_in(request))
        raw = request.query_params.get("deal")
        if raw not in (None, ""):
            if not str(raw).isdigit() or not 0 < int(str(raw)) < 2**63:
                raise ValidationFailed(_("参数 deal 应为项目编号（正整数）。"))
            qs = qs.filter(deal_id=int(str(raw)))
        response = HttpResponse(
            exports.payments_xlsx(qs.order_by("deal_id", "id")),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="payments.xlsx"'
        return response
