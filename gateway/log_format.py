"""How the gateway's logs are written: JSON (one object per line) or plain text.

``GATEWAY_LOG_FORMAT=json`` is for production, where a collector parses each line;
``text`` (the default) is for a person at a terminal. Either way, a record made during
an HTTP request carries that request's id (gateway/request_log.py).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from gateway.request_log import current_request

LOG_FORMATS = ("text", "json")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (RFC 3339, UTC), level, logger, message, the
    request id inside a request, an access line's fields, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = current_request()
        if request is not None:
            entry["request_id"] = request.request_id
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            entry.update(access)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        # default=str: a stray non-JSON value in a record must not lose the line.
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """uvicorn's plain shape, with the request id in brackets inside a request."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request = current_request()
        return f"{line} [{request.request_id}]" if request is not None else line


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for `gateway serve` (handed to uvicorn as its
    ``log_config``): the gateway's and uvicorn's loggers on stderr in one format.
    uvicorn's own access log is off (the access line is gateway.access's)."""
    formatter = "json" if log_format == "json" else "text"
    # uvicorn's "trace" is below debug; logging's dictConfig knows only the standard names.
    name = "DEBUG" if level.lower() == "trace" else level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": JsonFormatter},
            "text": {"()": TextFormatter},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": formatter,
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "gateway": {"handlers": ["stderr"], "level": name, "propagate": False},
            "rest_compat": {"handlers": ["stderr"], "level": name, "propagate": False},
            "resolvers": {"handlers": ["stderr"], "level": name, "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": name, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
