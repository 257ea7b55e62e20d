"""Models of participation's votes part."""
