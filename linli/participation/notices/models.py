"""Models of participation's notices part."""
