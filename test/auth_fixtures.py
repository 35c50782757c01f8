"""A scripted Sparkfly ``/auth`` endpoint, shared by the token tests of both drivers."""

from __future__ import annotations

import threading
import time
from typing import Optional, Set

from scripted_server import Recorded, Reply, ScriptedServer

IDENTITY = "acct-56-IDENTITY-SECRET"
KEY = "key-9d1c-AUTH-KEY-SECRET"


class TokenIssuer:
    """Plays the Sparkfly ``/auth`` endpoint on a scripted server and refuses calls without a live token."""

    def __init__(self, server: ScriptedServer, auth_delay: float = 0.0) -> None:
        self.auth_delay = auth_delay
        self.issued = 0
        self.live: Set[str] = set()
        self._lock = threading.Lock()
        server.responder = self

    def __call__(self, seen: Recorded) -> Optional[Reply]:
        if seen.path == "/auth":
            if (seen.header("X-Auth-Identity"), seen.header("X-Auth-Key")) != (IDENTITY, KEY):
                return Reply(401, {"error": "invalid credentials"})
            time.sleep(self.auth_delay)
            with self._lock:
                self.issued += 1
                token = f"tok-{self.issued}-SECRET"
                self.live = {token}
            return Reply(204, None, headers={"X-Auth-Token": token})
        if seen.header("X-Auth-Token") not in self.live:
            return Reply(401, {"error": "invalid token"})
        return None  # the queued reply, or the default

    def revoke(self) -> None:
        self.live = set()
