"""Sample contracts (unsaved, no database) for the benchmark and the README's rendered pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from contracts.clause_texts import clause_defaults
from contracts.clauses import clause_keys
from contracts.models import Contract

# Plausible clause prose (the model texts' wording, paraphrased), cycled to fill the clauses.
SENTENCES = [
    "乙方应保证其为本合同所涉技术的合法权利人，并保证所提供的技术资料完整、准确、有效。",
    "甲方应在约定的地域和领域内实施本项技术，不得超出许可范围，也不得向任何第三方再许可。",
    "乙方应在合同生效后三十日内，向甲方交付全部技术资料，包括工艺文件、图纸和检测报告。",
    "双方应对在履行本合同过程中获悉的对方技术秘密和商业信息承担保密义务，保密期限为五年。",
    "乙方应派遣技术人员到甲方现场进行技术指导和培训，直至甲方能够独立稳定生产。",
    "任何一方对该技术所作的后续改进，其权利归改进方所有，另一方在同等条件下享有优先受让权。",
    "如第三方指控甲方实施本项技术构成侵权，乙方应负责应诉并承担由此产生的全部法律责任。",
    "本项技术被宣告无效的，乙方应返还甲方已支付但尚未实施部分对应的价款。",
    "因不可抗力致使本合同不能履行的，受影响一方应在十五日内书面通知对方并提供相关证明。",
    "本合同履行中发生争议的，双方应协商解决；协商不成的，任何一方可向甲方所在地人民法院起诉。",
]

SAMPLE_TYPES = [
    ("development", "commissioned"),
    ("transfer", "patent_right"),
    ("license", "exclusive_patent"),
    ("consulting", "consulting"),
    ("service", "brokerage"),
]


def _clause(i: int, sentences: int) -> str:
    return "\n".join(
        f"{k + 1}. " + SENTENCES[(i * 3 + k) % len(SENTENCES)] for k in range(sentences)
    )


def _party(name: str, credit_code: str, address: str, representative: str) -> dict[str, str]:
    return {
        "name": name,
        "credit_code": credit_code,
        "address": address,
        "representative": representative,
        "contact": "王经理",
        "phone": "0574-86000000",
        "bank_account": "中国银行宁波镇海支行 3512 5800 0000 1234",
    }


def sample_contract(
    contract_type: str = "license",
    subtype: str = "exclusive_patent",
    *,
    sentences_per_clause: int = 5,
) -> Contract:
    """A signed contract with every clause filled in. The default (an exclusive patent licence,
    five sentences a clause) is nine A4 pages; `sentences_per_clause=0` gives each article its
    model text filled with the contract's facts, as a draft made on the deal page has."""
    keys = [k for k in clause_keys(contract_type) if k not in ("price_payment", "patent")]
    contract = Contract(
        pk=1,
        number="JSHT2026000001",
        version=1,
        revision=3,
        contract_type=contract_type,
        subtype=subtype,
        title="一种注塑模具随形冷却流道设计方法的产业化",
        subject="一种注塑模具随形冷却流道设计方法",
        party_a=_party(
            "宁波某汽车零部件有限公司",
            "91330211MA2GXXXX1K",
            "浙江省宁波市镇海区骆驼街道民和路 100 号",
            "王建国",
        ),
        party_b=_party(
            "浙江大学宁波研究院",
            "12330200MB1234567X",
            "浙江省宁波市鄞州区首南街道 888 号",
            "李明",
        ),
        intermediary={
            "organisation": "宁波市镇海区科技成果转移中心",
            "region": "宁波市镇海区",
            "broker": "张伟",
            "certificate_number": "JSJJ202400001",
        },
        amount=Decimal("1234567.89"),
        technology_amount=Decimal("1034567.89"),
        payment_mode="instalments",
        payment_terms="按下列计划分三期支付，每期付款前收款方开具增值税普通发票。",
        payment_schedule=[
            {"due_on": "2026-04-01", "amount": "400000.00", "note": "合同生效后"},
            {"due_on": "2026-10-01", "amount": "400000.00", "note": "技术资料交付并验收后"},
            {"due_on": "2027-04-01", "amount": "434567.89", "note": "稳定生产六个月后"},
        ],
        clauses={key: _clause(i, sentences_per_clause) for i, key in enumerate(keys)},
        patent={
            "title": "一种注塑模具随形冷却流道设计方法",
            "number": "ZL202110000001.X",
            "kind": "发明专利",
            "holder": "浙江大学宁波研究院",
            "inventors": "李明、王强、陈晓",
            "applied_on": "2021-01-05",
            "granted_on": "2023-06-30",
            "valid_until": "2041-01-04",
            "fees_paid_until": "2026-01-04",
        },
        sign_place="浙江省宁波市镇海区",
        signed_on=dt.date(2026, 3, 2),
        valid_from=dt.date(2026, 3, 2),
        valid_to=dt.date(2031, 3, 1),
        status="signed",
    )
    if sentences_per_clause == 0:
        contract.clauses = clause_defaults(contract)
    return contract
