"""Test factories for participation's votes part; @places for every scoped model of the part."""
