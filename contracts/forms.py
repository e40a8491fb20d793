"""Forms of the contract pages: the deal page's contract panel (draft, sign, registration)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brokers.regions import region_name
from contracts.clauses import CLAUSES
from contracts.models import SUBTYPES, AttachmentKind, Contract, ContractType, PaymentMode
from contracts.validation import CREDIT_CODE, MAX_CLAUSE_CHARS
from deals.models import Deal, DealAchievement

DATE_WIDGET = {"type": "date"}

PARTY_FIELDS = [
    ("name", _("名称"), True),
    ("credit_code", _("统一社会信用代码"), False),
    ("address", _("住所"), True),
    ("representative", _("法定代表人"), True),
    ("contact", _("联系人"), False),
    ("phone", _("电话"), False),
    ("bank_account", _("开户银行及账号"), False),
]


# Instalment rows the draft form offers (more when the contract or the posted form has more).
SCHEDULE_ROWS = 4
SCHEDULE_KEY = re.compile(r"^s(\d+)_(?:due_on|amount|note)$")


def kind_choices() -> list[tuple[str, str]]:
    return [
        (f"{ctype}:{key}", f"{ContractType(ctype).label} · {label}")
        for ctype, subtypes in SUBTYPES.items()
        for key, label in subtypes.items()
    ]


class ContractDraftForm(forms.Form):
    """The deal's contract in one form: the service validates it fully (as the API does)."""

    kind = forms.ChoiceField(label=_("合同类别"))
    title = forms.CharField(label=_("项目名称"), max_length=200)
    subject = forms.CharField(
        label=_("合同标的"),
        max_length=200,
        required=False,
        help_text=_("成果或专利的名称；合同正文据此填写。"),
    )
    amount = forms.DecimalField(
        label=_("成交额（元）"), max_digits=18, decimal_places=2, min_value=Decimal("0.01")
    )
    technology_amount = forms.DecimalField(
        label=_("技术交易额（元）"),
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0"),
        help_text=_("成交额减去设备、材料等非技术性费用；奖励按此计算。"),
    )
    payment_mode = forms.ChoiceField(
        label=_("支付方式"),
        choices=PaymentMode.choices,
        initial=PaymentMode.LUMP_SUM,
        required=False,
        help_text=_("分期支付时在下面填写各期的日期和金额，合计应等于成交额。"),
    )
    payment_terms = forms.CharField(
        label=_("支付约定"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    patent_number = forms.CharField(label=_("专利号"), max_length=40, required=False)
    patent_title = forms.CharField(label=_("专利名称"), max_length=300, required=False)
    sign_place = forms.CharField(label=_("签订地点"), max_length=200)
    valid_from = forms.DateField(
        label=_("有效期自"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_to = forms.DateField(
        label=_("有效期至"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The deal page has other forms with a "kind" (activities): ids must not collide.
        kwargs.setdefault("auto_id", "contract_%s")
        super().__init__(*args, **kwargs)
        self.schedule_rows = max(
            [
                SCHEDULE_ROWS,
                *(int(m.group(1)) for key in self.data if (m := SCHEDULE_KEY.match(key))),
                *(int(m.group(1)) for key in self.initial if (m := SCHEDULE_KEY.match(key))),
            ]
        )
        # The payment schedule (付款/支付 terms of the contract's price article and the payments
        # panel's plan): a row per instalment, each part a field so an error sits at its input.
        for i in range(1, self.schedule_rows + 1):
            self.fields[f"s{i}_due_on"] = forms.DateField(
                label=_("第 %(i)d 期日期") % {"i": i},
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )
            self.fields[f"s{i}_amount"] = forms.DecimalField(
                label=_("金额（元）"),
                required=False,
                max_digits=18,
                decimal_places=2,
                min_value=Decimal("0.01"),
            )
            self.fields[f"s{i}_note"] = forms.CharField(
                label=_("说明"), max_length=300, required=False
            )
        kind = self.fields["kind"]
        if not isinstance(kind, forms.ChoiceField):
            raise RuntimeError("invariant: isinstance(kind, forms.ChoiceField)")
        kind.choices = kind_choices()
        # The page shows each side's fields under its own heading, so the labels stay short.
        for side in ("a", "b"):
            for key, label, required in PARTY_FIELDS:
                self.fields[f"{side}_{key}"] = forms.CharField(
                    label=label, max_length=200, required=required
                )

    def clean(self) -> dict[str, Any]:
        """Checks across fields, all reported at once (the service repeats them)."""
        data = super().clean() or {}
        amount, tech = data.get("amount"), data.get("technology_amount")
        if amount is not None and tech is not None and tech > amount:
            self.add_error(
                "technology_amount",
                _("技术交易额（%(tech)s 元）不能大于成交额（%(amount)s 元）。")
                % {"tech": tech, "amount": amount},
            )
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("有效期截止日不能早于起始日。"))
        self._clean_schedule(data)
        for side in ("a", "b"):
            code = (data.get(f"{side}_credit_code") or "").strip().upper()
            if code and not CREDIT_CODE.match(code):
                self.add_error(
                    f"{side}_credit_code",
                    _("统一社会信用代码应为 18 位（数字和大写字母，不含 I、O、S、V、Z）。"),
                )
        return data

    def _clean_schedule(self, data: dict[str, Any]) -> None:
        """Each started row needs its date and amount; the rows add up to the amount; paying in
        instalments needs rows. Errors at the row's input, totals at the payment mode."""
        total, rows, complete = Decimal(0), 0, True
        for i in range(1, self.schedule_rows + 1):
            keys = (f"s{i}_due_on", f"s{i}_amount", f"s{i}_note")
            if not any(self.data.get(self.add_prefix(k), "").strip() for k in keys):
                continue
            rows += 1
            for key, word in ((keys[0], _("日期")), (keys[1], _("金额"))):
                if data.get(key) is None:
                    complete = False
                    if key not in self.errors:
                        self.add_error(
                            key, _("请填写第 %(i)d 期的%(what)s。") % {"i": i, "what": word}
                        )
            total += data.get(keys[1]) or 0
        amount = data.get("amount")
        if rows and complete and amount is not None and total != amount:
            self.add_error(
                "payment_mode",
                _("各期金额合计 %(total)s 元，应等于成交额 %(amount)s 元。")
                % {"total": total, "amount": amount},
            )
        if not rows and data.get("payment_mode") == PaymentMode.INSTALMENTS:
            self.add_error("payment_mode", _("分期支付请填写各期的日期和金额。"))

    def schedule(self) -> list[dict[str, Any]]:
        """The filled rows, in order, as the service takes them."""
        data = self.cleaned_data
        return [
            {
                "due_on": data[f"s{i}_due_on"],
                "amount": data[f"s{i}_amount"],
                "note": data[f"s{i}_note"],
            }
            for i in range(1, self.schedule_rows + 1)
            if data.get(f"s{i}_due_on") is not None and data.get(f"s{i}_amount") is not None
        ]

    def schedule_rows_bound(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"s{i}_due_on"], self[f"s{i}_amount"], self[f"s{i}_note"]]
            for i in range(1, self.schedule_rows + 1)
        ]

    def party(self, side: str) -> dict[str, str]:
        return {key: self.cleaned_data[f"{side}_{key}"] for key, _label, _req in PARTY_FIELDS}

    def party_rows(self, side: str) -> list[forms.BoundField]:
        return [self[f"{side}_{key}"] for key, _label, _req in PARTY_FIELDS]

    def service_fields(self) -> dict[str, Any]:
        """The keyword arguments of contracts.services.contract_create."""
        data = self.cleaned_data
        contract_type, subtype = data["kind"].split(":", 1)
        patent = (
            {"number": data["patent_number"], "title": data["patent_title"]}
            if data["patent_number"]
            else {}
        )
        return {
            "contract_type": contract_type,
            "subtype": subtype,
            "title": data["title"],
            "subject": data["subject"],
            "party_a": self.party("a"),
            "party_b": self.party("b"),
            "amount": data["amount"],
            "technology_amount": data["technology_amount"],
            "payment_mode": data["payment_mode"] or PaymentMode.LUMP_SUM,
            "payment_terms": data["payment_terms"],
            "payment_schedule": self.schedule(),
            "patent": patent,
            "sign_place": data["sign_place"],
            "valid_from": data["valid_from"],
            "valid_to": data["valid_to"],
        }

    def service_changes(self, contract: Contract) -> dict[str, Any]:
        """The fields of a draft's edit: a patent's other details (holder, dates) are kept."""
        fields = self.service_fields()
        patent = dict(contract.patent or {})
        patent.update(
            {
                "number": self.cleaned_data["patent_number"],
                "title": self.cleaned_data["patent_title"],
            }
        )
        fields["patent"] = patent if patent.get("number") or patent.get("title") else {}
        return fields

    @classmethod
    def initial_from(cls, contract: Contract) -> dict[str, Any]:
        """A draft's fields as the form shows them."""
        initial: dict[str, Any] = {
            "kind": f"{contract.contract_type}:{contract.subtype}",
            "title": contract.title,
            "subject": contract.subject,
            "amount": contract.amount,
            "technology_amount": contract.technology_amount,
            "payment_mode": contract.payment_mode,
            "payment_terms": contract.payment_terms,
            "patent_number": (contract.patent or {}).get("number", ""),
            "patent_title": (contract.patent or {}).get("title", ""),
            "sign_place": contract.sign_place,
            "valid_from": contract.valid_from,
            "valid_to": contract.valid_to,
        }
        for side, party in (("a", contract.party_a or {}), ("b", contract.party_b or {})):
            for key, _label, _req in PARTY_FIELDS:
                initial[f"{side}_{key}"] = party.get(key, "")
        for i, row in enumerate(contract.payment_schedule or [], start=1):
            initial[f"s{i}_due_on"] = row.get("due_on", "")
            initial[f"s{i}_amount"] = row.get("amount", "")
            initial[f"s{i}_note"] = row.get("note", "")
        return initial

    @classmethod
    def initial_for(cls, deal: Deal) -> dict[str, Any]:
        """What the deal already knows: the enterprise, the linked result and its owner."""
        today = timezone.localdate()
        link = DealAchievement.objects.filter(deal=deal).select_related("achievement").first()
        achievement = link.achievement if link else None
        patent = bool(achievement and achievement.patent_number)
        return {
            "kind": "transfer:patent_right" if patent else "transfer:know_how",
            "title": deal.title,
            "subject": achievement.title if achievement else "",
            "a_name": deal.demand.enterprise,
            "b_name": achievement.owner if achievement else "",
            "patent_number": achievement.patent_number if patent and achievement else "",
            "patent_title": achievement.title if patent and achievement else "",
            "sign_place": region_name(deal.demand.region) if deal.demand.region else "",
            "valid_from": today,
            "valid_to": today + dt.timedelta(days=365),
        }


class SignForm(forms.Form):
    signed_on = forms.DateField(
        label=_("签订日期"),
        help_text=_("双方签署后录入；签署后合同不能再修改，变更须创建新版本。"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_signed_on(self) -> dt.date:
        signed: dt.date = self.cleaned_data["signed_on"]
        if signed > timezone.localdate():
            raise forms.ValidationError(_("签订日期不能在将来；请在双方签署后录入。"))
        return signed


class RegistrationForm(forms.Form):
    exchange = forms.CharField(label=_("技术交易机构"), max_length=200)
    registration_number = forms.CharField(
        label=_("登记编号"), max_length=20, help_text=_("登记机构出具的 14 或 16 位编号")
    )
    registered_on = forms.DateField(
        label=_("登记日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    certificate_number = forms.CharField(label=_("交易证明编号"), max_length=50, required=False)
    certificate = forms.FileField(
        label=_("登记证明（扫描件）"),
        required=False,
        help_text=_("PDF、PNG 或 JPEG，不超过 10 MB；可稍后在附件中补传。"),
    )

    def clean_registration_number(self) -> str:
        number: str = self.cleaned_data["registration_number"].strip()
        lengths = sorted(settings.CONTRACT_REGISTRATION_NUMBER_LENGTHS)
        if not number.isascii() or not number.isdigit() or len(number) not in lengths:
            raise forms.ValidationError(
                _("登记编号应为 %(lengths)s 位数字（由登记机构出具）。")
                % {"lengths": _(" 或 ").join(map(str, lengths))}
            )
        return number

    def clean_registered_on(self) -> dt.date:
        on: dt.date = self.cleaned_data["registered_on"]
        if on > timezone.localdate():
            raise forms.ValidationError(_("登记日期不能在将来。"))
        return on

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["certificate"] = data.get("certificate") or None
        return data


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("附件类型"), choices=AttachmentKind.choices)
    file = forms.FileField(
        label=_("文件"), help_text=_("PDF、PNG 或 JPEG，按内容检查，不超过 10 MB。")
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "attachment_%s")
        super().__init__(*args, **kwargs)


def clause_field_name(key: str) -> str:
    return f"clause_{key}"


class ClausesForm(forms.Form):
    """Every article of a contract, one text box each; for a signed contract, a reason too (the
    change becomes a new version)."""

    reason = forms.CharField(
        label=_("变更原因"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请说明变更原因：它记入合同历史，并随新版本保存。")},
    )

    def __init__(self, *args: Any, contract: Contract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contract = contract
        self.new_version = not contract.is_editable
        if self.new_version:
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]
        stored = contract.clauses or {}
        for key, heading in CLAUSES[contract.contract_type]:
            self.fields[clause_field_name(key)] = forms.CharField(
                label=heading,
                max_length=MAX_CLAUSE_CHARS,
                required=False,
                initial=stored.get(key, ""),
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text=_("留空则该条印为“无”。") if key != "price_payment" else "",
            )
            self.fields[f"reset_{key}"] = forms.BooleanField(
                label=_("恢复为范本文本"), required=False
            )

    def articles(self) -> list[dict[str, Any]]:
        return [
            {
                "number": index,
                "key": key,
                "heading": heading,
                "field": self[clause_field_name(key)],
                "reset": self[f"reset_{key}"],
            }
            for index, (key, heading) in enumerate(CLAUSES[self.contract.contract_type], start=1)
        ]

    def changed_clauses(self) -> dict[str, str | None]:
        """The articles whose text changed ({key: text}; None: back to the model text)."""
        stored = self.contract.clauses or {}
        out: dict[str, str | None] = {}
        for key, _heading in CLAUSES[self.contract.contract_type]:
            if self.cleaned_data.get(f"reset_{key}"):
                out[key] = None
                continue
            text = self.cleaned_data[clause_field_name(key)].replace("\r\n", "\n").strip()
            if text != stored.get(key, "").strip():
                out[key] = text
        return out


class AttachmentRemoveForm(forms.Form):
    attachment = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=_("删除原因"),
        max_length=200,
        help_text=_("例如：传错了文件。删除会记入项目历史。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # One such form per file on the deal page: ids must not collide.
        kwargs.setdefault("auto_id", f"remove{kwargs.pop('attachment_id', '')}_%s")
        super().__init__(*args, **kwargs)
