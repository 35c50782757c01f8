from __future__ import annotations

from typing import Optional

from pydantic import ConfigDict, Field

from sparkfly_client.models._base import Secret, SparkflyModel, Timestamp

__all__ = ["CustomerCredentialInput"]


class CustomerCredentialInput(SparkflyModel):
    """The body of ``PUT /credentials/{id}``: a customer's login credential, created or replaced.

    ``username``, ``password`` and ``customer_id`` are required and must not be empty. The password
    is write-only: it is held as a ``SecretStr`` (read it with ``.password.get_secret_value()``),
    ``repr``/``str``/``to_str()``/``to_dict()``/``to_json()`` show ``**********`` in its place, and
    only the request body sent to the server carries it in clear.
    """

    # Unknown names are refused so a misspelt field fails at once; a validation error never
    # repeats the input, which holds the password.
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    username: str = Field(min_length=1)
    password: Secret = Field(min_length=1)
    customer_id: str = Field(alias="customerId", min_length=1)
    expired_time: Optional[Timestamp] = Field(default=None, alias="expiredTime")
