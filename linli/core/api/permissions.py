"""DRF's default permission: authenticated, second factor done where required, and scoped by the view."""

from rest_framework.permissions import BasePermission

from linli.core.middleware import otp_required


class ScopedPermission(BasePermission):
    """Deny by default. Views declare ``scope_kind``; their querysets go through ``restrict``.

    The object-level check is the queryset itself: an object outside ``restrict`` is never found (404).
    Here we only refuse anonymous users, session users who skipped the second factor, and actions the
    user's roles do not allow anywhere.
    """

    message = "没有权限执行该操作。"

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if request.auth is None and otp_required(user) and not user.is_verified():
            self.message = "请先完成二次验证。"
            return False
        action = getattr(view, "required_action", None)
        if callable(action):
            action = action(request)
        if action is None:
            return True
        from linli.core.scoping import has_action

        return has_action(user, action)
