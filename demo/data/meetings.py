"""Talks and meetings planned for the coming days, so "本周会谈" and the brokers' pages are not
empty after `make run`. Each row: need key (its demo deal), kind, days from the load date, local
time (hour, minute), place or platform, who is invited. Planned once per deal (a second load
finds the plan and adds nothing)."""

MEETINGS = [
    (
        "N03",
        "online_talk",
        1,
        (15, 0),
        "腾讯会议（会议号 615 302 887）",
        "恒达标准件 孙总、质量部；宁波大学 机器视觉团队；张伟、徐浩",
    ),
    (
        "N12",
        "offline_meeting",
        2,
        (9, 30),
        "宁波恒拓数控机床有限公司 装配车间（样机联调）",
        "恒拓数控 吴工、电气工程师；浙江工业大学 机电学院；张伟",
    ),
    (
        "N07",
        "online_talk",
        3,
        (10, 0),
        "腾讯会议（会议号 742 119 530）",
        "甬江阀门 设备部；激光熔覆课题组；王强",
    ),
    (
        "N10",
        "online_talk",
        5,
        (14, 30),
        "微信视频",
        "百汇电镀 胡总；宁波大学 环境团队；何佳",
    ),
]
