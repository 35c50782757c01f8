from __future__ import annotations

from typing import Any, Dict, Optional

from sparkfly_client.models._base import SparkflyModel
from sparkfly_client.models.credential import Credential

__all__ = ["CredentialResponse"]


class CredentialResponse(SparkflyModel):
    """A credential as the API returns it, with any per-field ``errors``."""

    credential: Optional[Credential] = None
    errors: Optional[Dict[str, Any]] = None
