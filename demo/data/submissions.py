"""Public submissions waiting for triage (公开征集待分拣): what enterprises and institutes sent
through the public forms, routed by region to the demo organisations' supervisors."""

from typing import Any

# kind, fields as the public form takes them (after its checks)
SUBMISSIONS: list[tuple[str, dict[str, Any]]] = [
    (
        "need",
        {
            "title": "注塑车间废气 VOCs 在线监测与治理",
            "party": "宁波镇海聚丰塑业有限公司",
            "industry": "7",
            "region": "330211",
            "description": "注塑与喷涂工序产生的 VOCs 浓度波动大，现有活性炭吸附更换频繁、成本高。"
            "希望引进在线监测与催化燃烧（RCO）或沸石转轮浓缩技术，排放稳定达到浙江省地方标准。",
            "budget": "600000",
            "contact": "郑经理",
            "phone": "0574-86301234",
            "email": "zheng@jufeng-plastics.example.cn",
        },
    ),
    (
        "achievement",
        {
            "title": "基于机器视觉的注塑件表面缺陷检测系统",
            "party": "宁波工程学院",
            "achievement_kind": "software",
            "industry": "1",
            "maturity": 6,
            "asking_price": "350000",
            "region": "330211",
            "description": "深度学习识别缩痕、飞边、银纹等 12 类缺陷，检出率 98.5%，单件检测 0.3 秒，"
            "已在两条产线试运行。可提供软件著作权许可与现场部署。",
            "contact": "孙老师",
            "phone": "13958200000",
            "email": "sun@nbut.example.edu.cn",
        },
    ),
    (
        "need",
        {
            "title": "高速列车齿轮箱轴承早期故障诊断",
            "party": "南京浦镇传动设备有限公司",
            "industry": "2",
            "region": "320111",
            "description": "需要基于振动与温度信号的轴承早期故障诊断算法，能在车载边缘设备上运行，"
            "误报率低于 1%。",
            "budget": "1500000",
            "contact": "吴工",
            "phone": "13813800000",
            "email": "wu@puzhen-gear.example.cn",
        },
    ),
    (
        "need",
        {
            "title": "玄武岩纤维复合材料船体构件成型工艺",
            "party": "福清海威游艇制造有限公司",
            "industry": "3",
            "region": "350181",
            "description": "希望以玄武岩纤维替代部分玻璃纤维，解决真空导入成型中浸润不均、孔隙率偏高的问题。",
            "contact": "林总",
            "phone": "0591-85201234",
            "email": "lin@haiwei-yacht.example.cn",
        },
    ),
]
