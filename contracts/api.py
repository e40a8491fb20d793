"""The contracts API (docs/api.md, "Contracts"). Views resolve the deal through
`deal_get_for_user` (404 for what the user may not see), parse input with serializers, and call
one service each; the services decide who may act (403) and what the state allows (409)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brokers.requests import signed_in
from common.files import private_file_response
from common.pagination import Pagination
from contracts import permissions, selectors, services
from contracts.models import (
    SUBTYPES,
    AttachmentKind,
    Contract,
    ContractAttachment,
    ContractDocument,
    ContractType,
    ExchangeRegistration,
    PaymentMode,
)
from deals.selectors import deal_get_for_user

# --- serializers --------------------------------------------------------------------------------


class PartySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200)
    representative = serializers.CharField(max_length=200)
    contact = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=200, required=False, allow_blank=True)
    bank_account = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ScheduleRowSerializer(serializers.Serializer):
    due_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ContractInputSerializer(serializers.Serializer):
    contract_type = serializers.ChoiceField(choices=ContractType.choices)
    subtype = serializers.CharField(
        max_length=40,
        help_text="; ".join(f"{t}: {', '.join(kinds)}" for t, kinds in SUBTYPES.items()),
    )
    title = serializers.CharField(max_length=200)
    party_a = PartySerializer()
    party_b = PartySerializer()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0)
    technology_amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0)
    payment_mode = serializers.ChoiceField(choices=PaymentMode.choices, required=False)
    payment_terms = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    payment_schedule = ScheduleRowSerializer(many=True, required=False)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    # Articles by key; omitted ones get the model text, null puts one back to it, "" reads 无.
    clauses = serializers.DictField(
        child=serializers.CharField(allow_blank=True, allow_null=True, max_length=8000),
        required=False,
    )
    patent = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    sign_place = serializers.CharField(max_length=200)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField()

    def to_service(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        for key in ("party_a", "party_b"):
            if key in data:
                data[key] = dict(data[key])
        if "payment_schedule" in data:
            data["payment_schedule"] = [
                {"due_on": r["due_on"], "amount": r["amount"], "note": r.get("note", "")}
                for r in data["payment_schedule"]
            ]
        return data


class RegistrationSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = ExchangeRegistration
        fields = [
            "id",
            "contract",
            "exchange",
            "registration_number",
            "registered_on",
            "certificate_number",
            "recorded_by",
            "recorded_at",
            "active",
            "cancelled_at",
            "cancelled_by",
            "cancel_reason",
        ]
        read_only_fields = fields


class RegistrationInputSerializer(serializers.Serializer):
    exchange = serializers.CharField(max_length=200)
    # Format rules (digits, 14 or 16 per settings) are the service's, so its message is the one
    # users see; here only the type.
    registration_number = serializers.CharField(max_length=40)
    registered_on = serializers.DateField()
    certificate_number = serializers.CharField(max_length=50, required=False, allow_blank=True)
    # The office's certificate, a PDF or image scan (multipart); checked by the service.
    certificate = serializers.FileField(required=False, allow_empty_file=True)


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractDocument
        fields = [
            "id",
            "contract",
            "version",
            "status",
            "final",
            "template_name",
            "template_version",
            "sha256",
            "size",
            "pages",
            "error",
            "created_by",
            "created_at",
            "rendered_at",
        ]
        read_only_fields = fields


class ContractSerializer(serializers.ModelSerializer):
    subtype_label = serializers.CharField(read_only=True)
    registration = serializers.SerializerMethodField()
    latest_document = serializers.SerializerMethodField()

    class Meta:
        model = Contract
        fields = [
            "id",
            "deal",
            "number",
            "version",
            "is_current",
            "supersedes",
            "status",
            "contract_type",
            "subtype",
            "subtype_label",
            "title",
            "subject",
            "party_a",
            "party_b",
            "intermediary",
            "amount",
            "technology_amount",
            "payment_mode",
            "payment_terms",
            "payment_schedule",
            "clauses",
            "patent",
            "sign_place",
            "signed_on",
            "valid_from",
            "valid_to",
            "cancel_reason",
            "created_by",
            "created_at",
            "updated_at",
            "registration",
            "latest_document",
        ]
        read_only_fields = fields

    def get_registration(self, obj: Contract) -> dict[str, Any] | None:
        registration = ExchangeRegistration.objects.filter(contract=obj).first()
        return RegistrationSerializer(registration).data if registration else None

    def get_latest_document(self, obj: Contract) -> dict[str, Any] | None:
        document = selectors.documents_for_contract(obj).first()
        return DocumentSerializer(document).data if document else None


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by: Any = serializers.StringRelatedField()

    class Meta:
        model = ContractAttachment
        fields = [
            "id",
            "contract",
            "registration",
            "kind",
            "filename",
            "content_type",
            "size",
            "sha256",
            "note",
            "uploaded_by",
            "uploaded_at",
        ]
        read_only_fields = fields


class AttachmentInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AttachmentKind.choices)
    # The content checks (type by content, size) are the service's, so its message is the one
    # users see; an empty or missing file is said here.
    file = serializers.FileField(allow_empty_file=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class SignSerializer(serializers.Serializer):
    signed_on = serializers.DateField()


class NewVersionSerializer(ContractInputSerializer):
    reason = serializers.CharField(max_length=5000)


# --- views --------------------------------------------------------------------------------------


def _contract(request: Request, contract_id: int) -> Contract:
    return selectors.contract_get_for_user(user=signed_in(request), contract_id=contract_id)


def _out(contract: Contract, code: int = status.HTTP_200_OK) -> Response:
    contract.refresh_from_db()
    return Response(ContractSerializer(contract).data, status=code)


class DealContractView(APIView):
    @extend_schema(responses=ContractSerializer)
    def get(self, request: Request, deal_id: int) -> Response:
        deal = deal_get_for_user(user=signed_in(request), deal_id=deal_id)
        contract = selectors.contract_for_deal(deal.pk)
        if contract is None:
            raise Http404
        return _out(contract)

    @extend_schema(request=ContractInputSerializer, responses={201: ContractSerializer})
    def post(self, request: Request, deal_id: int) -> Response:
        deal = deal_get_for_user(user=signed_in(request), deal_id=deal_id)
        permissions.may_draft_contract.require(signed_in(request), deal)
        serializer = ContractInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = services.contract_create(
            deal=deal,
            actor=signed_in(request),
            **serializer.to_service(),
        )
        return _out(contract, status.HTTP_201_CREATED)


class ContractDetailView(APIView):
    @extend_schema(responses=ContractSerializer)
    def get(self, request: Request, contract_id: int) -> Response:
        return _out(_contract(request, contract_id))

    @extend_schema(request=ContractInputSerializer, responses=ContractSerializer)
    def patch(self, request: Request, contract_id: int) -> Response:
        contract = _contract(request, contract_id)
        # Who may, then the state (editing a signed contract is a 409), then the body.
        permissions.may_edit_contract.require(signed_in(request), contract.deal)
        services.contract_assert_editable(contract)
        serializer = ContractInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        contract = services.contract_update(
            contract=contract,
            actor=signed_in(request),
            **serializer.to_service(),
        )
        return _out(contract)


class ContractSignView(APIView):
    @extend_schema(request=SignSerializer, responses=ContractSerializer)
    def post(self, request: Request, contract_id: int) -> Response:
        contract = _contract(request, contract_id)
        permissions.may_sign_contract.require(signed_in(request), contract.deal)
        serializer = SignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = services.contract_sign(
            contract=contract,
            actor=signed_in(request),
            signed_on=serializer.validated_data["signed_on"],
        )
        return _out(contract)


class ContractNewVersionView(APIView):
    @extend_schema(request=NewVersionSerializer, responses={201: ContractSerializer})
    def post(self, request: Request, contract_id: int) -> Response:
        contract = _contract(request, contract_id)
        permissions.may_edit_contract.require(signed_in(request), contract.deal)
        serializer = NewVersionSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = serializer.to_service()
        reason = changes.pop("reason", "")
        new = services.contract_new_version(
            contract=contract,
            actor=signed_in(request),
            reason=reason,
            **changes,
        )
        return _out(new, status.HTTP_201_CREATED)


class ContractCancelView(APIView):
    @extend_schema(request=ReasonSerializer, responses=ContractSerializer)
    def post(self, request: Request, contract_id: int) -> Response:
        contract = _contract(request, contract_id)
        permissions.may_edit_contract.require(signed_in(request), contract.deal)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = services.contract_cancel(
            contract=contract,
            actor=signed_in(request),
            reason=serializer.validated_data["reason"],
        )
        return _out(contract)


class ContractVersionsView(APIView):
    @extend_schema(responses=ContractSerializer(many=True))
    def get(self, request: Request, contract_id: int) -> Response:
        contract = _contract(request, contract_id)
        versions = selectors.contract_versions(contract)
        return Response(ContractSerializer(versions, many=True).data)


class ContractHistoryRowSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True)
    object = serializers.CharField()
    contract = serializers.IntegerField()
    version = serializers.IntegerField(allow_null=True)
    event = serializers.CharField()
    status = serializers.CharField()
    revision = serializers.IntegerField(allow_null=True)


class ContractHistoryView(APIView):
    @extend_schema(responses=ContractHistoryRowSerializer(many=True))
    def get(self, request: Request, contract_id: int) -> Response:
        contract = _contract(request, contract_id)
        rows = selectors.contract_history(contract)
        return Response(ContractHistoryRowSerializer(rows, many=True).data)


def _pdf_response(document: ContractDocument) -> FileResponse:
    response = FileResponse(
        document.file.open("rb"),
        content_type="application/pdf",
        as_attachment=False,
        filename=f"{document.contract.number}-v{document.version}.pdf",
    )
    response["ETag"] = f'"{document.sha256}"'
    response["X-Content-SHA256"] = document.sha256
    return response


class ContractPdfView(APIView):
    @extend_schema(
        request=None,
        responses={202: OpenApiResponse(description='{"document": id, "status": ...}')},
    )
    def post(self, request: Request, contract_id: int) -> Response:
        contract = _contract(request, contract_id)
        document = services.document_request(contract=contract, actor=signed_in(request))
        document.refresh_from_db()  # eager mode may have rendered it already
        return Response(
            {"document": document.pk, "status": document.status, "error": document.error},
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(description="PDF")})
    def get(self, request: Request, contract_id: int) -> FileResponse:
        contract = _contract(request, contract_id)
        document = selectors.latest_ready_document(contract)
        if document is None:
            raise Http404
        return _pdf_response(document)


class ContractDocumentsView(APIView):
    @extend_schema(responses=DocumentSerializer(many=True))
    def get(self, request: Request, contract_id: int) -> Response:
        contract = _contract(request, contract_id)
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.documents_for_contract(contract), request, view=self
        )
        return paginator.get_paginated_response(DocumentSerializer(page, many=True).data)


class ContractDocumentPdfView(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(description="PDF")})
    def get(self, request: Request, contract_id: int, document_id: int) -> FileResponse:
        contract = _contract(request, contract_id)
        document = (
            selectors.documents_for_contract(contract)
            .filter(pk=document_id, status="ready")
            .first()
        )
        if document is None:
            raise Http404
        return _pdf_response(document)


class ContractRegistrationView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses=RegistrationSerializer)
    def get(self, request: Request, contract_id: int) -> Response:
        contract = _contract(request, contract_id)
        registration = ExchangeRegistration.objects.filter(contract=contract).first()
        if registration is None:
            raise Http404
        return Response(RegistrationSerializer(registration).data)

    @extend_schema(request=RegistrationInputSerializer, responses={201: RegistrationSerializer})
    def post(self, request: Request, contract_id: int) -> Response:
        contract = _contract(request, contract_id)
        permissions.may_register.require(signed_in(request), contract.deal)
        serializer = RegistrationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration = services.registration_record(
            contract=contract,
            actor=signed_in(request),
            **serializer.validated_data,
        )
        return Response(RegistrationSerializer(registration).data, status=status.HTTP_201_CREATED)


class ContractRegistrationCancelView(APIView):
    @extend_schema(request=ReasonSerializer, responses=RegistrationSerializer)
    def post(self, request: Request, contract_id: int) -> Response:
        contract = _contract(request, contract_id)
        permissions.may_cancel_registration.require(signed_in(request), contract.deal)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration = services.registration_cancel(
            contract=contract,
            actor=signed_in(request),
            reason=serializer.validated_data["reason"],
        )
        return Response(RegistrationSerializer(registration).data)


class ContractAttachmentsView(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(responses=AttachmentSerializer(many=True))
    def get(self, request: Request, contract_id: int) -> Response:
        contract = _contract(request, contract_id)
        rows = selectors.attachments_for_contract(contract)
        return Response(AttachmentSerializer(rows, many=True).data)

    @extend_schema(request=AttachmentInputSerializer, responses={201: AttachmentSerializer})
    def post(self, request: Request, contract_id: int) -> Response:
        contract = _contract(request, contract_id)
        permissions.may_attach.require(signed_in(request), contract.deal)
        serializer = AttachmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = services.attachment_add(
            contract=contract,
            actor=signed_in(request),
            **serializer.validated_data,
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class ContractAttachmentFileView(APIView):
    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(description="file")}
    )
    def get(self, request: Request, contract_id: int, attachment_id: int) -> FileResponse:
        contract = _contract(request, contract_id)
        attachment = selectors.attachments_for_contract(contract).filter(pk=attachment_id).first()
        if attachment is None:
            raise Http404
        return private_file_response(
            attachment.file, filename=attachment.filename, content_type=attachment.content_type
        )
