"""The clause lists of the national model texts, by contract type (data read by validation and the
PDF templates). Each entry is (key, heading); a clause the parties empty on purpose reads "无".

"price_payment" is always printed from the structured amount, mode and schedule, followed by the
clause text. The text each article starts with is in `contracts.clause_texts`.
"""

from __future__ import annotations

from contracts.models import ContractType

COMMON_TAIL: list[tuple[str, str]] = [
    ("confidentiality", "保密条款"),
    ("breach", "违约责任"),
    ("disputes", "争议的解决"),
    ("other", "其他约定"),
]

CLAUSES: dict[str, list[tuple[str, str]]] = {
    ContractType.DEVELOPMENT: [
        ("definitions", "名词和术语"),
        ("goals", "项目目标与技术路线"),
        ("plan", "研究开发计划与进度"),
        ("client_materials", "委托方提供的技术资料和条件"),
        ("price_payment", "研究开发经费及其支付方式"),
        ("risk", "风险责任的承担（技术风险及分担比例）"),
        ("ownership", "研究开发成果及改进成果的归属"),
        ("acceptance", "验收标准和方法"),
        *COMMON_TAIL,
    ],
    ContractType.TRANSFER: [
        ("definitions", "名词和术语"),
        ("patent", "转让标的（专利基本情况）"),
        ("prior_use", "让与方实施和许可情况（已订立的许可合同继续有效）"),
        ("continued_use", "让与方在合同生效后继续实施的约定"),
        ("materials", "技术资料的交付内容、时间和方式"),
        ("price_payment", "转让价款及其支付方式"),
        ("improvements", "后续改进的提供与分享"),
        ("invalidation", "专利权被宣告无效的处理"),
        *COMMON_TAIL,
    ],
    ContractType.LICENSE: [
        ("definitions", "名词和术语"),
        ("scope", "许可方式和范围（地域、领域、期限）"),
        ("patent", "许可标的（专利或技术秘密基本情况）"),
        ("technical_content", "技术内容"),
        ("materials", "技术资料的交付"),
        ("price_payment", "使用费及其支付方式"),
        ("acceptance", "验收标准和方法"),
        ("service_training", "技术服务与培训"),
        ("improvements", "后续改进的提供与分享"),
        ("infringement", "第三方侵权的处理"),
        ("invalidation", "专利权被宣告无效的处理"),
        ("force_majeure", "不可抗力"),
        ("taxes", "税费"),
        ("entry_into_force", "合同的生效、变更与终止（自签订之日起三个月内备案）"),
        *COMMON_TAIL,
    ],
    ContractType.CONSULTING: [
        ("subject", "咨询的技术问题、内容和范围"),
        ("deliverables", "咨询报告的提交期限、地点和方式"),
        ("client_materials", "委托方提供的资料和工作条件"),
        ("acceptance", "咨询报告的评价与验收"),
        ("price_payment", "咨询报酬及其支付方式"),
        ("ownership", "新的技术成果的归属"),
        *COMMON_TAIL,
    ],
    ContractType.SERVICE: [
        ("subject", "服务内容、方式和要求"),
        ("deliverables", "工作成果的交付期限、地点和方式"),
        ("client_materials", "委托方提供的工作条件和协作事项"),
        ("acceptance", "验收标准和方法"),
        ("price_payment", "服务报酬及其支付方式"),
        ("ownership", "新的技术成果的归属"),
        *COMMON_TAIL,
    ],
}

# What the parties are called in each type's model text (甲方 / 乙方); the broker is 丙方.
PARTY_ROLES: dict[str, tuple[str, str]] = {
    ContractType.DEVELOPMENT: ("委托方", "受托方"),
    ContractType.TRANSFER: ("受让方", "让与方"),
    ContractType.LICENSE: ("被许可方", "许可方"),
    ContractType.CONSULTING: ("委托方", "受托方"),
    ContractType.SERVICE: ("委托方", "受托方"),
}
COOPERATIVE_ROLES = ("合作方", "合作方")

PATENT_FIELDS: list[tuple[str, str]] = [
    ("title", "名称"),
    ("number", "专利号（申请号）"),
    ("kind", "专利类型"),
    ("holder", "专利权人"),
    ("inventors", "发明人"),
    ("applied_on", "申请日"),
    ("granted_on", "授权公告日"),
    ("valid_until", "有效期至"),
    ("fees_paid_until", "年费已缴至"),
    ("office_registered_on", "国家知识产权局登记（生效）日期"),
    ("filing_number", "许可合同备案号"),
]


def clause_keys(contract_type: str) -> list[str]:
    return [key for key, _heading in CLAUSES.get(contract_type, [])]
