"""The migrations of the tables the events cannot rebuild (Alembic, run by `orgchange migrate`).

The read models are not here: they are rebuilt from the events (`projections.tables`).
Here are the tables that hold what only the database knows — API tokens, the outputs
handed out — and each change of their shape is a revision in `versions/`, applied in
order and never edited once released (docs/upgrading.md says how to add one).
"""
