"""The events' message templates; sending is ``linli.core.notifications`` (inbox, SMS, WeChat behind an adapter).

``EventsConfig`` registers ``TEMPLATES`` with core. The core functions are re-exported here for older callers.
"""

from linli.core.notifications import backend, inbox, render, sms, wechat

__all__ = ["TEMPLATES", "backend", "inbox", "render", "sms", "wechat"]

TEMPLATES = {
    "event_accepted": "您反映的问题（{number}）已受理，我们将尽快处理。",
    "event_rejected": "您反映的问题（{number}）未予受理：{reason}",
    "event_merged": "您反映的问题（{number}）已与同类问题（{parent}）合并处理，结果将一并告知。",
    "event_resolved": "您反映的问题（{number}）已处置完毕：{result}",
    "event_verified": "您反映的问题（{number}）已办结并核查，请在“我的上报”中评价。",
    "event_closed": "您反映的问题（{number}）已结案，感谢您的参与。",
    "event_rework": "您反映的问题（{number}）重新处理（返工）：上次的处理结果没有通过，处理人员正在重新处理。",
    "event_dispatched": "新的派遣任务（{number}）：{title}，请在 {due} 前处置。",
    "event_urge": "【催办】事件（{number}）已超过处置时限，请尽快处置。",
    "event_supervise": "【督办】事件（{number}）超期已逾 24 个工作小时，请督促处置。",
}
