"""Pages of participation's votes part (URL names must be unique across the app's parts)."""

urlpatterns = []
