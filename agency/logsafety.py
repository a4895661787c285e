"""No secret in the log: every log record of the process has the one-time link tokens in its message
masked (agency/notifications/links.py) before any handler sees it — Agency's own lines, the framework's
("unhandled error on POST /rate/<token>"), the server's."""

from __future__ import annotations

import logging
from typing import Any

from agency.notifications.links import LINK, masked

_installed = False


def install() -> None:
    """Wraps the process's log record factory once; harmless to call again."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: the logging module reports it itself later
            return record
        if LINK.search(message):
            record.msg, record.args = masked(message), None
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
