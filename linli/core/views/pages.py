from django.shortcuts import redirect


def home(request):
    """The root sends each user to their screen: staff to the console, residents to the app."""
    if not request.user.is_authenticated:
        return redirect("core:login")
    if request.user.is_staff_role or request.user.is_superuser:
        return redirect("core:console_home")
    return redirect("core:resident_home")
