"""What housing tells the apps above it, without importing them (plumbing only, never business rules).

``house_region_changed`` (``house=``): a house moved to another 十联户 or grid, inside the transaction that moved
it. Apps that copy a house's region path onto their rows (people: residencies, households, residents) connect a
receiver in their ``register`` and rewrite their copies.
"""

from django.dispatch import Signal

house_region_changed = Signal()
