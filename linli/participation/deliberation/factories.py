"""Test factories for participation's deliberation part; @places for every scoped model of the part."""
