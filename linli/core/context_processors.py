from django.conf import settings


def shell(request):
    """What every page's frame needs: the navigation the user's roles allow."""
    from linli.core.navigation import console_menu

    user = getattr(request, "user", None)
    menu = console_menu(request) if user is not None and user.is_authenticated else []
    return {"nav_menu": menu, "demo_mode": settings.DEMO_MODE}
