"""The service layer: what the command line and the HTTP API ask of the register.

`OrgChange` (service.py) records changes and answers questions; beside it sit the
change-file format (changefile), days and instants (dates), settings (config), the
outputs a register remembers (outputs), export, tokens, and the documents made from
the register: `documents` (review pack, delegationsordning, charts, PDF) and
`opendata` (W3C ORG linked data, Popolo JSON). Below it are `projections` (the read
side), `orgchange.adapters` and `orgchange.domain`.
"""

from orgchange.application.service import Impact, OrgChange, RecordResult, Renaming

__all__ = ["Impact", "OrgChange", "RecordResult", "Renaming"]
