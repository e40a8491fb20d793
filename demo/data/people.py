"""Organisations and the people who work in them (one demo password for all, see load_demo)."""

# key, name, region code
ORGANISATIONS = [
    ("zhenhai", "宁波市镇海区科技成果转移转化中心", "330211"),
    ("nanjing", "南京技术转移服务中心", "320100"),
    ("fuqing", "福清市科技局技术市场", "350181"),
]

# username, display name, role, organisation key, region code
STAFF = [
    ("chenjing", "陈静", "supervisor", "zhenhai", "330211"),  # 中心主任
    ("liuyang", "刘洋", "supervisor", "zhenhai", "330211"),  # 副主任：四眼原则的第二位审批人
    ("sunli", "孙丽", "finance", "zhenhai", "330211"),
    ("zhaolei", "赵磊", "supervisor", "nanjing", "320100"),
    ("qianyun", "钱芸", "finance", "nanjing", "320100"),
    ("linzhiqiang", "林志强", "supervisor", "fuqing", "350181"),
    ("zhengli", "郑丽", "finance", "fuqing", "350181"),
]

# username, display name, organisation key, certificate number, practice region, specialties, caseload limit
BROKERS = [
    (
        "zhangwei",
        "张伟",
        "zhenhai",
        "ZJ-JSJJ-2021-00417",
        "330211",
        "高端装备、模具与精密制造、工业机器人",
        15,
    ),
    ("lina", "李娜", "zhenhai", "ZJ-JSJJ-2022-01122", "330211", "新材料、磁性材料、表面工程", 12),
    (
        "wangqiang",
        "王强",
        "zhenhai",
        "ZJ-JSJJ-2020-00236",
        "330211",
        "石油化工、精细化工、安全生产",
        15,
    ),
    ("zhoumin", "周敏", "zhenhai", "ZJ-JSJJ-2023-02058", "330212", "生物医药、医疗器械、食品", 10),
    ("xuhao", "徐浩", "zhenhai", "ZJ-JSJJ-2022-01307", "330211", "电子信息、工业软件、物联网", 12),
    ("hejia", "何佳", "zhenhai", "ZJ-JSJJ-2024-00591", "330211", "新能源、储能、节能环保", 8),
    ("wangfang", "王芳", "nanjing", "JS-JSJJ-2021-03311", "320100", "生物医药、化学药与制剂", 15),
    ("sunpeng", "孙鹏", "nanjing", "JS-JSJJ-2020-01876", "320113", "电子信息、通信、集成电路", 15),
    (
        "zhuting",
        "朱婷",
        "nanjing",
        "JS-JSJJ-2023-04402",
        "320102",
        "节能环保、水处理、固废资源化",
        10,
    ),
    ("jiangtao", "蒋涛", "nanjing", "JS-JSJJ-2022-02945", "320100", "化工新材料、膜分离、催化", 12),
    (
        "chenyanling",
        "陈燕玲",
        "fuqing",
        "FJ-JSJJ-2022-00318",
        "350181",
        "现代农业、食品加工、水产",
        10,
    ),
    (
        "huangjianhua",
        "黄建华",
        "fuqing",
        "FJ-JSJJ-2021-00207",
        "350181",
        "新能源、玻璃与光伏材料、装备",
        10,
    ),
]

ADMIN = ("admin", "系统管理员")
