"""The GraphQL object types, a module per concept; the contract's types plus a few extras.

One style throughout: each type is built from a read-model row by its `from_row`
classmethod, which sets its plain fields (plain attributes, which the fast path
of `api/graphql/execution.py` answers without a resolver per field); a resolver
is written only for a field that loads something or takes arguments.
"""

from .change import AffectedDelegation, Change, ChangeConnection, ChangeEdge, Decision, PageInfo
from .delegation import Delegation, DelegationGap, DelegationImpact
from .diff import Moved, MovedPosition, OrgDiff, PositionDiff, Reclassified, Renamed
from .finding import DelegationFinding, Finding
from .register import RegisterInfo, StaleOutput
from .report import Report
from .search import SearchHit
from .unit import Organisation, Position, Unit, UnitVersion
from .vocabulary import Term, Vocabulary

__all__ = [
    "AffectedDelegation",
    "Change",
    "ChangeConnection",
    "ChangeEdge",
    "Decision",
    "Delegation",
    "DelegationFinding",
    "DelegationGap",
    "DelegationImpact",
    "Finding",
    "Moved",
    "MovedPosition",
    "OrgDiff",
    "Organisation",
    "PageInfo",
    "Position",
    "PositionDiff",
    "Reclassified",
    "RegisterInfo",
    "Renamed",
    "Report",
    "SearchHit",
    "StaleOutput",
    "Term",
    "Unit",
    "UnitVersion",
    "Vocabulary",
]
