"""What a console page requires, declared once on the view, read by the view's guard and by the menu.

``@requires("event.handle", "event.add")`` refuses (404, like anything out of scope) a user whose grants do not
allow every listed action, and records the actions on the view. The side menu reads the same declaration through
``view_actions()``, so a menu item appears exactly when its page opens for the user.
"""

from collections.abc import Callable
from functools import wraps

from django.http import Http404

from linli.core.scoping import has_action


def requires(*actions: str) -> Callable:
    """Let only users allowed every one of ``actions`` in; others get the same 404 as a missing page."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not all(has_action(request.user, a) for a in actions):
                raise Http404("您的账号不能打开这个页面。")
            return view(request, *args, **kwargs)

        wrapped.required_actions = tuple(actions)
        return wrapped

    return decorate


def view_actions(view) -> tuple[str, ...]:
    """The actions a resolved view function declares: ``@requires`` or a scoped class view's kind and action."""
    declared = getattr(view, "required_actions", None)
    if declared is not None:
        return tuple(declared)
    view_class = getattr(view, "view_class", None)
    kind = getattr(view_class, "kind", "")
    action = getattr(view_class, "action", "")
    if kind and action:
        return (f"{kind}.{action}",)
    return ()
