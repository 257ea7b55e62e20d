"""The console's side menu, built from what the user's roles allow."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.signals import setting_changed
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, resolve, reverse

from linli.core.permissions import view_actions
from linli.core.scoping import has_action
from linli.core.search import can_search


@dataclass
class MenuItem:
    """A page in the side menu. ``action`` may add a condition; the page's own ``@requires`` always applies."""

    label: str
    url_name: str
    action: str | None = None
    icon: str = ""
    visible: Callable[[object], bool] | None = None  # a condition on the user that no single action states

    def required_actions(self) -> tuple[str, ...]:
        """Every action the user needs for this item: its own and those its view declares."""
        declared = _page(self.url_name)[1]
        return ((self.action,) if self.action else ()) + tuple(a for a in declared if a != self.action)


# url name (and URLconf) → (path, actions its view declares). The same for every user: where a page is and
# what it requires do not change while the process runs, but reversing and resolving every menu item cost a
# quarter of a console page's CPU. Nothing about a user is kept here; the menu is filtered per request.
_pages: dict[tuple[str | None, str, str], tuple[str, tuple[str, ...]]] = {}


def _page(url_name: str) -> tuple[str, tuple[str, ...]]:
    key = (get_urlconf(), get_script_prefix(), url_name)
    page = _pages.get(key)
    if page is None:
        url = reverse(url_name)  # NoReverseMatch is not kept: the caller skips the item
        page = _pages[key] = (url, view_actions(resolve(url).func))
    return page


def _forget_pages(*, setting, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _pages.clear()


setting_changed.connect(_forget_pages)


@dataclass
class MenuGroup:
    label: str
    items: list[MenuItem] = field(default_factory=list)


MENU: list[MenuGroup] = [
    MenuGroup(
        "工作台",
        [MenuItem("首页", "core:console_home"), MenuItem("以房找人 · 以人找房", "core:search", visible=can_search)],
    ),
    MenuGroup(
        "人口",
        [
            MenuItem("实有人口", "people:person_list", "person.view"),
            MenuItem("户", "people:household_list", "household.view"),
            MenuItem("单位组织", "people:entity_list", "entity.view"),
            MenuItem("场所", "people:place_list", "place.view"),
        ],
    ),
    MenuGroup(
        "房屋",
        [
            MenuItem("房屋", "housing:house_list", "house.view"),
            MenuItem("楼栋", "housing:building_list", "building.view"),
            MenuItem("小区", "housing:compound_list", "compound.view"),
        ],
    ),
    MenuGroup(
        "区域与审计",
        [
            MenuItem("区域网格", "core:region_list", "region.view"),
            MenuItem("访问记录", "core:audit_list", "audit.view"),
            MenuItem("变更记录", "core:change_list", "audit.view"),
        ],
    ),
]


def register_menu(group_label: str, item: MenuItem) -> None:
    """Later apps (events, party…) add their pages here from their AppConfig.ready()."""
    for group in MENU:
        if group.label == group_label:
            if all(i.url_name != item.url_name for i in group.items):
                group.items.append(item)
            return
    MENU.append(MenuGroup(group_label, [item]))


def can_open(user, url_name: str) -> bool:
    """Whether the page at ``url_name`` (no arguments) opens for ``user``, by what its view declares."""
    return all(has_action(user, a) for a in _page(url_name)[1])


def console_menu(request) -> list[dict]:
    """The menu for ``request``'s user and page, built once per request (a page renders several templates with
    the request's context, each asking for it)."""
    user = request.user
    key = (getattr(user, "pk", None), request.path)
    cached = getattr(request, "_console_menu", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    menu = _build_menu(user, request.path)
    request._console_menu = (key, menu)
    return menu


def _build_menu(user, current: str) -> list[dict]:
    out = []
    for group in MENU:
        items = []
        for item in group.items:
            try:
                url = _page(item.url_name)[0]
                required = item.required_actions()
            except NoReverseMatch:
                continue
            if not all(has_action(user, a) for a in required) or (item.visible and not item.visible(user)):
                continue
            items.append({"label": item.label, "url": url, "active": False})
        if items:
            out.append({"label": group.label, "items": items})
    # Highlight one item: the longest menu URL the current page lies under (/console/events/hotline/
    # belongs to 12345 工单导入, not also to 全部事件 at /console/events/).
    candidates = [
        i
        for g in out
        for i in g["items"]
        if current == i["url"] or (i["url"] != "/console/" and current.startswith(i["url"]))
    ]
    if candidates:
        max(candidates, key=lambda i: len(i["url"]))["active"] = True
    return out
