"""The pure domain of orgchange: change types, the timeline fold, the register aggregate."""

# Importing the handler modules registers one handler per change type with the timeline,
# and competence.py its check of each change as it is recorded.
from . import competence, delegations, positions, units  # noqa: F401
