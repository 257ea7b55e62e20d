"""Test factories for participation's notices part; @places for every scoped model of the part."""
