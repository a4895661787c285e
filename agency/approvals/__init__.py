"""Approvals: the life cycle, the legal clock, the worklist.

Importing the package registers the session hooks that keep the open clocks in step with every write
(open_clocks.py), in any process that touches approvals — the service, the worker, the command line.
"""

from agency.approvals import open_clocks as open_clocks
