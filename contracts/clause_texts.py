"""The text each article of a contract starts with: our own wording, in the article structure of
the national model texts for technology contracts (技术合同示范文本), filled with the contract's
facts (parties, subject, amounts, payment schedule, dates). A draft stores these texts on the
contract; the user edits any article; an article the user never edited follows the facts when they
change (see `contracts.services`).

Texts are `str.format` templates over `facts()`; a subtype may replace an article's text.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from contracts.amounts import amount_in_figures, amount_in_words
from contracts.clauses import COOPERATIVE_ROLES, PARTY_ROLES, clause_keys
from contracts.models import SUBTYPES, ContractType, PaymentMode

CN_DIGITS = "〇一二三四五六七八九"


def cn_count(n: int) -> str:
    """3 → 三, 12 → 十二 (how many instalments, in words)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def cn_date(value: dt.date | str | None) -> str:
    if not value:
        return "____年__月__日"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return f"{value.year}年{value.month}月{value.day}日"


def _money(value: Decimal | str) -> str:
    amount = Decimal(value)
    return f"{amount_in_figures(amount)}（大写：人民币{amount_in_words(amount)}）"


def _payment_sentence(contract: Any) -> str:
    """How the money is paid, from the mode and the schedule (the article's first paragraph)."""
    schedule = contract.payment_schedule or []
    if schedule:
        # The schedule's table is printed above the article; the text says how it binds.
        first, last = schedule[0], schedule[-1]
        return (
            f"甲方按上表所列期次、日期和金额分{cn_count(len(schedule))}期向乙方支付，合计"
            f"{_money(contract.amount)}；首期于{cn_date(first['due_on'])}前支付，末期于"
            f"{cn_date(last['due_on'])}前付清。"
        )
    mode = contract.payment_mode
    if mode == PaymentMode.ROYALTY:
        return (
            "甲方以提成方式支付：按实施本项技术所得产品的年销售额的一定比例（比例见支付约定）"
            "逐年向乙方支付，每年度结束后三十日内结清上一年度的提成费。"
        )
    if mode == PaymentMode.ENTRY_FEE_ROYALTY:
        return (
            "甲方以入门费加提成方式支付：本合同生效之日起十五日内支付入门费，此后按实施本项"
            "技术所得产品年销售额的一定比例（比例见支付约定）逐年支付提成费。"
        )
    return f"甲方应于本合同生效之日起十五日内，一次性向乙方支付全部价款{_money(contract.amount)}。"


def _licence_kind(subtype: str) -> tuple[str, str]:
    if subtype.startswith("exclusive"):
        return (
            "独占许可",
            "在许可范围内，乙方不得再许可任何第三方实施，乙方自己亦不得实施",
        )
    if subtype.startswith("sole"):
        return (
            "排他许可",
            "在许可范围内，乙方不得再许可任何第三方实施，但乙方自己可以实施",
        )
    return ("普通许可", "在许可范围内，乙方可以自己实施，也可以许可第三方实施")


def facts(contract: Any) -> dict[str, str]:
    """Everything an article's text may name, as text. `contract` is a Contract (saved or not)."""
    patent = contract.patent or {}
    party_a = contract.party_a or {}
    party_b = contract.party_b or {}
    intermediary = contract.intermediary or {}
    if contract.contract_type == ContractType.DEVELOPMENT and contract.subtype == "cooperative":
        role_a, role_b = COOPERATIVE_ROLES
    else:
        role_a, role_b = PARTY_ROLES.get(contract.contract_type, ("甲方", "乙方"))
    subject = (contract.subject or "").strip() or patent.get("title") or contract.title
    object_kind = "技术秘密" if "know_how" in contract.subtype else "专利"
    if contract.subtype == "patent_application_right":
        object_kind = "专利申请"
    patent_ref = (
        f"（{'申请号' if contract.subtype == 'patent_application_right' else '专利号'}"
        f"：{patent['number']}）"
        if patent.get("number")
        else ""
    )
    licence_kind, licence_meaning = _licence_kind(contract.subtype)
    return {
        "a": party_a.get("name") or "甲方",
        "b": party_b.get("name") or "乙方",
        "c": intermediary.get("organisation") or "中介方",
        "broker": intermediary.get("broker") or "",
        "role_a": role_a,
        "role_b": role_b,
        "subject": subject,
        "title": contract.title,
        "kind": SUBTYPES.get(contract.contract_type, {}).get(contract.subtype, ""),
        "object_kind": object_kind,
        "patent_ref": patent_ref,
        "holder": patent.get("holder") or party_b.get("name") or "乙方",
        "amount": _money(contract.amount),
        "technology_amount": _money(contract.technology_amount),
        "payment": _payment_sentence(contract),
        "payment_mode": PaymentMode(contract.payment_mode).label,
        "valid_from": cn_date(contract.valid_from),
        "valid_to": cn_date(contract.valid_to),
        "sign_place": contract.sign_place or "",
        "licence_kind": licence_kind,
        "licence_meaning": licence_meaning,
        "bank_b": party_b.get("bank_account") or "乙方书面指定的银行账户",
    }


# --- the articles --------------------------------------------------------------------------------
# Common to every type.
COMMON: dict[str, str] = {
    "definitions": (
        "本合同所称“标的技术”，是指“{subject}”{patent_ref}所涉及的技术方案及其全部技术资料；"
        "“技术资料”，是指与标的技术有关的设计图纸、工艺文件、配方、技术说明书、检测报告、"
        "软件及其文档等；“合同产品”，是指甲方利用标的技术制造、使用或销售的产品；"
        "“中介方”，是指为本合同的订立和履行提供技术经纪服务的{c}。"
    ),
    "confidentiality": (
        "1. 各方对在订立和履行本合同过程中知悉的对方技术秘密、技术资料及经营信息负有保密义务，"
        "未经对方书面同意，不得向任何第三方披露，也不得用于本合同以外的目的。\n"
        "2. 保密期限自本合同签订之日起至上述信息依法进入公有领域之日止；本合同变更、解除或终止，"
        "不影响本条的效力。\n"
        "3. 中介方及其技术经纪人对在居间服务中知悉的各方信息，承担同等保密义务。"
    ),
    "breach": (
        "1. 任何一方违反本合同约定的，应当承担继续履行、采取补救措施或者赔偿损失等违约责任。\n"
        "2. 甲方逾期支付价款的，每逾期一日，按逾期部分的万分之五向乙方支付违约金；逾期超过"
        "六十日的，乙方有权解除合同。\n"
        "3. 乙方逾期交付技术资料或所交付资料不符合约定的，每逾期一日，按合同总价款的万分之五"
        "向甲方支付违约金；逾期超过六十日或经补正仍不符合约定的，甲方有权解除合同，"
        "乙方应返还已收取的价款。\n"
        "4. 违约金不足以弥补守约方损失的，违约方还应赔偿不足部分。"
    ),
    "disputes": (
        "因履行本合同发生的争议，各方应协商解决，也可请求中介方{c}或有关部门调解；"
        "协商或调解不成的，任何一方均可向合同签订地（{sign_place}）有管辖权的人民法院提起诉讼。"
    ),
    "other": (
        "1. 本合同自{valid_from}起至{valid_to}止有效。\n"
        "2. 本合同未尽事宜，由各方另行签订补充协议；补充协议与本合同具有同等法律效力。\n"
        "3. 乙方负责在本合同签订后向技术合同登记机构申请认定登记，甲方和中介方予以配合。"
    ),
    "force_majeure": (
        "因不可抗力致使本合同不能履行或者不能完全履行的，受影响的一方应在不可抗力发生之日起"
        "十五日内书面通知其他各方并提供证明，根据不可抗力的影响部分或者全部免除责任。"
    ),
    "taxes": "因履行本合同所发生的税费，由各方依照国家有关法律法规的规定各自承担。",
    "acceptance": (
        "1. 验收标准：标的技术达到本合同约定的技术指标，技术资料完整、准确，能够指导甲方实施。\n"
        "2. 验收方法：乙方交付后三十日内，由甲方组织验收（必要时可邀请同行专家评价），"
        "验收合格的由甲方出具书面验收证明。\n"
        "3. 甲方逾期未组织验收且未提出书面异议的，视为验收合格。"
    ),
    "price_payment": (
        "{payment}\n乙方收款账户：{bank_b}。乙方收到每笔款项后，应向甲方开具合法有效的发票。"
    ),
    "materials": (
        "1. 乙方应于本合同生效之日起三十日内，在甲方所在地以书面及电子文档方式向甲方交付"
        "“{subject}”的全部技术资料，并附资料清单。\n"
        "2. 甲方应在收到技术资料后十日内核对，资料不完整或不符合约定的，乙方应在十五日内补正。"
    ),
    "improvements": (
        "1. 在本合同有效期内，任何一方对标的技术所作的后续改进，其成果归改进方所有。\n"
        "2. 改进方应将改进情况及时通知对方；对方在同等条件下享有优先受让或优先获得许可的权利，"
        "具体条件另行协商。"
    ),
    "service_training": (
        "乙方应在甲方实施标的技术的过程中提供必要的技术指导，并为甲方培训技术人员，"
        "直至甲方技术人员能够独立掌握标的技术；培训的时间、地点和人数由双方另行商定，"
        "费用已包含在本合同价款中。"
    ),
    "invalidation": (
        "1. 本合同生效后，标的{object_kind}被宣告无效或被驳回的，乙方不负返还已收取价款的"
        "义务，但因乙方恶意给甲方造成损失的，应当赔偿。\n"
        "2. 尚未支付的价款，自宣告无效或驳回的决定生效之日起不再支付。"
    ),
    "infringement": (
        "1. 第三方指控甲方实施标的技术侵犯其权利的，乙方应负责应诉并承担由此产生的法律责任"
        "和费用。\n"
        "2. 发现第三方侵犯标的{object_kind}的，甲方应及时通知乙方，由乙方依法处理，"
        "甲方予以协助。"
    ),
    "entry_into_force": (
        "1. 本合同经各方签字盖章后生效。\n"
        "2. 乙方应自本合同生效之日起三个月内，向国务院专利行政部门办理许可合同备案手续。\n"
        "3. 本合同的变更须经各方协商一致并以书面形式确认；一方严重违约致使合同目的不能实现的，"
        "另一方可以解除本合同。"
    ),
    "client_materials": (
        "甲方应于本合同生效之日起十五日内，向乙方提供完成本合同工作所必需的背景资料、技术数据、"
        "场地和协作条件，并对所提供资料的真实性负责。甲方提供的资料不完整或迟延提供的，"
        "乙方的履行期限相应顺延。"
    ),
    "ownership": (
        "1. 乙方利用甲方提供的资料和工作条件完成的新的技术成果，归乙方所有；甲方利用乙方的"
        "工作成果完成的新的技术成果，归甲方所有。双方另有约定的，从其约定。\n"
        "2. 后续改进成果的归属，适用前款规定。"
    ),
}

# By type, where a type's article says more than the common text.
BY_TYPE: dict[str, dict[str, str]] = {
    ContractType.DEVELOPMENT: {
        "goals": (
            "1. 项目名称：{title}。\n"
            "2. 研究开发目标：围绕“{subject}”完成技术开发，使开发成果达到双方书面确认的"
            "技术指标，并能够在甲方的生产条件下稳定实施。\n"
            "3. 技术路线：由乙方提出技术方案，经甲方书面确认后实施；技术路线的重大调整须经"
            "双方协商一致。"
        ),
        "plan": (
            "1. 研究开发期限：自{valid_from}起至{valid_to}止。\n"
            "2. 进度安排：方案设计与论证、样品（样机）研制、中试验证、交付验收四个阶段，"
            "乙方每季度向甲方书面报告一次研究开发进展。\n"
            "3. 履行地点和方式：在乙方所在地研究开发，在甲方所在地进行中试和验收。"
        ),
        "risk": (
            "在研究开发过程中，因出现在现有技术水平和条件下难以克服的技术困难，致使研究开发"
            "失败或部分失败的，该风险由甲、乙双方各承担百分之五十；发现上述情形的一方应在"
            "七日内书面通知另一方并采取适当措施减少损失，否则应就扩大的损失承担责任。"
        ),
        "ownership": (
            "1. 履行本合同所完成的研究开发成果，申请专利的权利归甲方；乙方享有在其科研活动中"
            "免费使用该成果的权利，但不得转让给第三方。\n"
            "2. 技术秘密成果的使用权、转让权以及利益的分配由双方共同享有；任何一方对研究开发"
            "成果所作的后续改进，其成果归改进方所有，另一方在同等条件下享有优先受让权。"
        ),
        "acceptance": (
            "1. 验收标准：研究开发成果达到本合同第二条约定的研究开发目标和技术指标。\n"
            "2. 验收方法：乙方完成研究开发并交付全部技术资料后三十日内，由甲方组织专家"
            "技术评价或现场测试验收，验收合格的出具书面验收证明。\n"
            "3. 验收不合格的，乙方应在六十日内无偿改进并再次提交验收。"
        ),
        "client_materials": (
            "甲方应于本合同生效之日起十五日内，向乙方提供研究开发所需的技术背景资料、原始数据"
            "和必要的试验条件，并按约定支付研究开发经费。甲方迟延提供的，乙方的研究开发期限"
            "相应顺延。"
        ),
    },
    ContractType.TRANSFER: {
        "patent": (
            "乙方保证其为“{subject}”{patent_ref}的合法权利人（{holder}），该{object_kind}不存在"
            "权属争议，并已依法缴纳维持费用至表中所列日期。"
        ),
        "prior_use": (
            "本合同签订前，乙方实施标的技术及许可他人实施的情况，已向甲方如实书面披露；"
            "乙方与他人已订立的{object_kind}实施许可合同，在本合同生效后继续有效，"
            "其权利义务自本合同生效之日起由甲方承受，但另有约定的除外。"
        ),
        "continued_use": (
            "本合同生效后，乙方不得再实施标的技术，也不得许可任何第三方实施；经甲方书面同意的除外。"
        ),
        "materials": (
            "1. 乙方应于本合同生效之日起三十日内，在甲方所在地以书面及电子文档方式向甲方交付"
            "“{subject}”的全部技术资料（包括申请文件、授权文件、说明书、附图及实施所需的工艺"
            "文件），并附资料清单。\n"
            "2. 乙方应协助甲方向国务院专利行政部门办理著录项目变更登记手续。"
        ),
    },
    ContractType.LICENSE: {
        "scope": (
            "1. 许可方式：{licence_kind}，即{licence_meaning}。\n"
            "2. 许可范围：甲方在中华人民共和国境内制造、使用、销售合同产品。\n"
            "3. 许可期限：自{valid_from}起至{valid_to}止，但不超过标的{object_kind}的有效期。\n"
            "4. 未经乙方书面同意，甲方不得再许可任何第三方实施。"
        ),
        "patent": (
            "乙方保证其为“{subject}”{patent_ref}的合法权利人（{holder}），有权许可甲方实施；"
            "在许可期限内，乙方应按时缴纳维持费用，维持该{object_kind}的有效性。"
        ),
        "technical_content": (
            "本合同许可实施的技术内容为“{subject}”的全部技术方案，包括实施该技术所需的工艺"
            "流程、技术参数和质量控制要求，以标的{object_kind}文件及乙方交付的技术资料为准。"
        ),
        "acceptance": (
            "1. 验收标准：甲方按照乙方交付的技术资料和指导，在甲方生产条件下制造出符合技术"
            "资料所列指标的合同产品。\n"
            "2. 验收方法：技术资料交付并完成培训后九十日内，双方在甲方所在地共同试生产并检测，"
            "合格的由甲方出具书面验收证明。"
        ),
    },
    ContractType.CONSULTING: {
        "subject": (
            "1. 咨询项目：{title}。\n"
            "2. 咨询内容：乙方就“{subject}”为甲方提供可行性论证、技术预测、专题技术调查或分析"
            "评价，并提交咨询报告。\n"
            "3. 咨询范围以甲方书面提出并经乙方确认的技术问题为限。"
        ),
        "deliverables": (
            "乙方应于{valid_to}前，在甲方所在地以书面及电子文档方式向甲方提交咨询报告，"
            "报告应包括问题分析、论证过程、结论和建议。"
        ),
        "acceptance": (
            "甲方应在收到咨询报告后十五日内组织评价；报告符合本合同约定的内容和要求的，"
            "视为验收合格。甲方按照咨询报告作出决策所造成的损失，由甲方承担，但咨询报告存在"
            "乙方故意或重大过失所致错误的除外。"
        ),
    },
    ContractType.SERVICE: {
        "subject": (
            "1. 服务项目：{title}。\n"
            "2. 服务内容：乙方运用专业技术知识和经验，就“{subject}”为甲方解决特定技术问题，"
            "提供技术服务。\n"
            "3. 服务要求：乙方应按照本合同约定的质量和期限完成服务。"
        ),
        "deliverables": (
            "服务期限自{valid_from}起至{valid_to}止；服务地点为甲方所在地；乙方以现场服务与"
            "远程支持相结合的方式履行，并于服务完成后十五日内提交书面服务报告。"
        ),
        "acceptance": (
            "服务完成后，甲方应在十五日内按本合同约定的服务要求组织验收，验收合格的出具书面"
            "验收证明；甲方逾期未验收且未提出书面异议的，视为验收合格。"
        ),
    },
}

# By (type, subtype), where a kind differs from its type.
BY_SUBTYPE: dict[tuple[str, str], dict[str, str]] = {
    (ContractType.DEVELOPMENT, "cooperative"): {
        "client_materials": (
            "双方按照分工各自投入研究开发所需的资金、技术、人员和设备：甲方负责中试及产业化"
            "条件，乙方负责关键技术的研究和样品研制；双方每季度召开一次协调会。"
        ),
        "ownership": (
            "1. 履行本合同所完成的研究开发成果，申请专利的权利归甲、乙双方共有，专利权取得后"
            "由双方共同实施，任何一方转让其共有部分的，另一方享有优先受让权。\n"
            "2. 技术秘密成果由双方共享；任何一方对研究开发成果所作的后续改进，其成果归改进方"
            "所有，另一方在同等条件下享有优先受让权。"
        ),
    },
    (ContractType.TRANSFER, "know_how"): {
        "patent": (
            "转让标的为乙方拥有的技术秘密“{subject}”。乙方保证其为该技术秘密的合法拥有者，"
            "该技术秘密不存在权属争议，并已采取合理的保密措施。"
        ),
        "invalidation": (
            "本合同生效后，标的技术秘密因非甲方原因被公开的，自公开之日起甲方不再支付尚未支付的"
            "价款；因乙方原因被公开的，乙方应返还已收取的价款并赔偿甲方损失。"
        ),
        "materials": (
            "乙方应于本合同生效之日起三十日内，在甲方所在地以书面及电子文档方式向甲方交付"
            "“{subject}”的全部技术资料，并派员现场指导，直至甲方掌握该技术秘密。"
        ),
    },
    (ContractType.SERVICE, "brokerage"): {
        "subject": (
            "1. 服务项目：{title}。\n"
            "2. 中介内容：乙方为甲方就“{subject}”寻找、联系技术合作方，提供信息、组织洽谈，"
            "促成甲方与合作方订立技术合同，并协助合同的履行。\n"
            "3. 乙方应如实报告订立合同的有关情况，不得隐瞒或提供虚假信息。"
        ),
    },
    (ContractType.SERVICE, "training"): {
        "subject": (
            "1. 培训项目：{title}。\n"
            "2. 培训内容：乙方就“{subject}”对甲方指定的技术人员进行专业技术培训，使受训人员"
            "掌握相关技术的原理、操作和维护。\n"
            "3. 培训结束时，乙方对受训人员进行考核，并出具培训证明。"
        ),
    },
}


def template_for(contract_type: str, subtype: str, key: str) -> str:
    return (
        BY_SUBTYPE.get((contract_type, subtype), {}).get(key)
        or BY_TYPE.get(contract_type, {}).get(key)
        or COMMON.get(key, "")
    )


def clause_defaults(contract: Any) -> dict[str, str]:
    """Every article of the contract's type, filled with its facts."""
    values = facts(contract)
    return {
        key: template_for(contract.contract_type, contract.subtype, key).format_map(values)
        for key in clause_keys(contract.contract_type)
    }
