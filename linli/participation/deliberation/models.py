"""Models of participation's deliberation part."""
