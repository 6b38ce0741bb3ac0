"""Read models of the register: SQL tables derived only from its events."""
