"""Approvals: the life cycle, the materials, the legal clock and its rows, the worklist."""
