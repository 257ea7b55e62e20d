"""Pages of participation's deliberation part (URL names must be unique across the app's parts)."""

urlpatterns = []
