"""A Sparkfly-compatible server that runs on this machine: for examples, tests and offline work.

    from sparkfly_client.sandbox import Sandbox
    with Sandbox() as sb:
        with sb.api_client() as api_client:
            ...

or from a shell: ``python -m sparkfly_client.sandbox`` (serve) and ``python -m sparkfly_client.sandbox demo``
(run every documented example against a fresh sandbox). ``import sparkfly_client`` never loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sparkfly_client._lazy import lazy_dir, lazy_exports

_EXPORTS = {
    "Sandbox": "sparkfly_client.sandbox.server",
    "RecordedRequest": "sparkfly_client.sandbox.exchange",
    "RateWindow": "sparkfly_client.sandbox.ratelimit",
    "DEFAULTS": "sparkfly_client.sandbox.server",
    "Fault": "sparkfly_client.sandbox.faults",
    "MAX_BODY_SIZE": "sparkfly_client.sandbox.limits",
    "MAX_JSON_DEPTH": "sparkfly_client.sandbox.limits",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS, globals())
__dir__ = lazy_dir(_EXPORTS, globals())

if TYPE_CHECKING:
    from sparkfly_client.sandbox.exchange import RecordedRequest as RecordedRequest
    from sparkfly_client.sandbox.faults import Fault as Fault
    from sparkfly_client.sandbox.limits import MAX_BODY_SIZE as MAX_BODY_SIZE
    from sparkfly_client.sandbox.limits import MAX_JSON_DEPTH as MAX_JSON_DEPTH
    from sparkfly_client.sandbox.ratelimit import RateWindow as RateWindow
    from sparkfly_client.sandbox.server import DEFAULTS as DEFAULTS
    from sparkfly_client.sandbox.server import Sandbox as Sandbox
