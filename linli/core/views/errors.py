"""Error pages in Chinese, in the shell of the screen the request came from.

The console (``/console/`` and the rest) shows the console frame with the menu the user may open; the resident
app (``/m/``) shows the phone frame; the API (``/api/``, ``/open311/``) answers JSON with a Chinese ``detail``.
Admin pages keep Django's own. A message that a view raised is shown when it is already Chinese (``Http404("没有
找到该事件。")``); Django's English ones (the URL resolver's "didn't match…") are replaced by ours.
"""

import logging
import re

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

API_PREFIXES = ("/api/", "/open311/")
RESIDENT_PREFIX = "/m/"

PAGES = {
    400: ("请求有误", "这个请求的格式不对，系统无法处理。请返回上一页重新操作；如果反复出现，请联系管理员。"),
    403: ("没有权限", "您的账号没有打开这个页面或执行这个操作的权限。如需开通，请联系本单位的系统管理员。"),
    404: ("页面不存在", "没有找到您要的页面或记录：地址可能有误，记录可能已删除，或不在您负责的范围内。"),
    500: ("系统出错了", "服务器处理这个请求时出了错，已记录下来，管理员会尽快处理。请稍后再试。"),
}
FRAMES = {
    "console": "core/console/base.html",
    "resident": "core/resident/base.html",
    "plain": "core/errors/plain.html",
}
CSRF_MESSAGE = "页面已过期或表单校验未通过（CSRF），操作没有执行。请刷新页面后重新提交；如果已退出登录，请重新登录。"

_CJK = re.compile(r"[\u4e00-\u9fff]")


def _message(exception, default: str) -> str:
    """The view's own message when it is a Chinese sentence meant for people, else the default."""
    text = ""
    if exception is not None and exception.args and isinstance(exception.args[0], str):
        text = exception.args[0]
    return text if _CJK.search(text) else default


def screen_of(path: str) -> str:
    if path.startswith(API_PREFIXES):
        return "api"
    if path.startswith(RESIDENT_PREFIX):
        return "resident"
    return "console"


def render_error(request, status: int, message: str | None = None):
    """One error answer for ``request``'s screen: JSON for the API, a Chinese page for people."""
    title, default = PAGES[status]
    message = message or default
    screen = screen_of(request.path)
    if screen == "api":
        return JsonResponse(
            {"detail": message, "status_code": status}, status=status, json_dumps_params={"ensure_ascii": False}
        )
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    staff = signed_in and (user.is_staff_role or user.is_superuser)
    # Anonymous visitors and residents never see the console frame (its menu is empty for them anyway).
    if screen == "console" and not staff:
        screen = "resident" if signed_in else "plain"
    context = {
        "status": status,
        "title": title,
        "message": message,
        "hint": default if message != default else "",  # the view's own reason first, then what to do
        "screen": screen,
        "signed_in": signed_in,
        "base_template": FRAMES[screen],
    }
    template = loader.get_template("core/errors/error.html")
    try:
        body = template.render(context, request)
    except Exception:  # the frame itself failed (a broken database): a bare page still tells the person
        logger.exception("error page frame failed")
        context.update(screen="plain", base_template=FRAMES["plain"])
        body = template.render(context, None)
    return HttpResponse(body, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    return render_error(request, 400)


@requires_csrf_token
def permission_denied(request, exception=None):
    return render_error(request, 403, _message(exception, PAGES[403][1]))


@requires_csrf_token
def page_not_found(request, exception=None):
    return render_error(request, 404, _message(exception, PAGES[404][1]))


@requires_csrf_token
def server_error(request):
    # The frame's context processors read the database, which may be what failed: render_error falls back to
    # a bare page when the frame cannot be drawn.
    return render_error(request, 500)


def csrf_failure(request, reason=""):
    """Django's CSRF_FAILURE_VIEW: a 403 that says in Chinese why the form was refused and what to do."""
    return render_error(request, 403, CSRF_MESSAGE)
