from django.shortcuts import redirect

from linli.core.roles import Role


def home(request):
    """The root sends each user to their screen: staff to the console, a big-screen kiosk account to the big
    screen, residents to the app."""
    if not request.user.is_authenticated:
        return redirect("core:login")
    if request.user.is_staff_role or request.user.is_superuser:
        return redirect("core:console_home")
    if any(g.role == Role.SCREEN_KIOSK for g in request.user.active_grants()):
        return redirect("/screen/")
    return redirect("core:resident_home")
