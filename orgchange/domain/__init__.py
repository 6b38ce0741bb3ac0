"""The pure domain of orgchange: change types, the timeline fold, the register aggregate."""

# Importing the handler modules registers one handler per change type with the timeline.
from . import delegations, positions, units  # noqa: F401
