"""Pages of participation's notices part (URL names must be unique across the app's parts)."""

urlpatterns = []
