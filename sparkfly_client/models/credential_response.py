from __future__ import annotations

from typing import Any, Dict, Optional

from sparkfly_client.models._base import SparkflyModel
from sparkfly_client.models.credential import Credential

__all__ = ["CredentialResponse"]


class CredentialResponse(SparkflyModel):
    """A credential as the API returns it, with any per-field ``errors``.

    A successful response always carries the credential, with its ``id``: typed code can write
    ``response.credential.id`` with no ``None`` check. A response without them is not a credential, and
    the call raises ``ResponseDecodeError`` instead of returning it.
    """

    credential: Credential
    errors: Optional[Dict[str, Any]] = None
