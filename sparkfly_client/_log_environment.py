"""``SPARKFLY_LOG``: turn the client's logging on from the environment, as ``OPENAI_LOG`` and ``STRIPE_LOG`` do.

``SPARKFLY_LOG=info`` logs one line per exchange and each retry decision to stderr; ``debug`` adds the
request headers. Credentials are masked as in every log line. The variable is read once, when the first
:class:`~sparkfly_client.Configuration` is created (never at import), and only ever raises the level of
the ``sparkfly_client`` logger: an application that configured logging itself keeps its handlers.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings

__all__ = ["ENVIRONMENT_VARIABLE", "apply_log_environment", "ensure_stderr_handler"]

ENVIRONMENT_VARIABLE = "SPARKFLY_LOG"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
_read = False


def apply_log_environment(logger: logging.Logger) -> None:
    """Set ``logger`` up as ``SPARKFLY_LOG`` asks, the first time this is called in the process."""
    global _read
    if _read:
        return
    _read = True
    value = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if not value:
        return
    level = LEVELS.get(value.lower())
    if level is None:
        warnings.warn(
            f"{ENVIRONMENT_VARIABLE}={value!r} is ignored: use {' or '.join(LEVELS)}", RuntimeWarning, stacklevel=3
        )
        return
    if logger.level == logging.NOTSET or logger.level > level:  # only ever more verbose
        logger.setLevel(level)
    ensure_stderr_handler(logger)


def ensure_stderr_handler(logger: logging.Logger) -> None:
    """Give ``logger`` a stderr handler unless it, or the root logger, already has one."""
    if logger.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
