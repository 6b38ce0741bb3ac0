"""The read model as the application asks it: one object, one reader per concern.

`ReadModel` is the organisation and its change log (`queries`) with the readers of
delegations, findings and reports beside it (`read_model.delegations` …). It sits at
the top of `projections`, so that none of the readers it holds needs to know it.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine

from .delegations import DelegationReader
from .findings import FindingReader
from .queries import OrganisationReader
from .reports import ReportReader
from .search import SearchReader


class ReadModel(OrganisationReader):
    """The organisation, its history and its change log, with delegations, findings and reports."""

    def __init__(self, bind: Engine | Connection):
        super().__init__(bind)
        self.delegations = DelegationReader(bind)
        self.findings = FindingReader(bind)
        self.reports = ReportReader(bind)
        self.search = SearchReader(bind)
