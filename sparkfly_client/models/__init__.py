"""The request, response and error models; each also lives in ``sparkfly_client.models.<snake_name>``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sparkfly_client._lazy import lazy_dir, lazy_exports

_MODELS = {
    "BadRequestObject": "bad_request_object",
    "Credential": "credential",
    "CredentialEligibilityResponse": "credential_eligibility_response",
    "CredentialInput": "credential_input",
    "CredentialInputRequest": "credential_input_request",
    "CredentialList": "credential_list",
    "CredentialResponse": "credential_response",
    "CustomerCredential": "customer_credential",
    "CustomerCredentialInput": "customer_credential_input",
    "InvalidField": "invalid_field",
    "Problem": "problem",
    "ResourceLink": "resource_link",
    "ValidationProblem": "validation_problem",
}
MODEL_MODULES = {name: f"sparkfly_client.models.{module}" for name, module in _MODELS.items()}
__all__ = sorted(_MODELS)

__getattr__ = lazy_exports(__name__, MODEL_MODULES, globals())
__dir__ = lazy_dir(MODEL_MODULES, globals())

if TYPE_CHECKING:
    from sparkfly_client.models.bad_request_object import BadRequestObject as BadRequestObject
    from sparkfly_client.models.credential import Credential as Credential
    from sparkfly_client.models.credential_eligibility_response import (
        CredentialEligibilityResponse as CredentialEligibilityResponse,
    )
    from sparkfly_client.models.credential_input import CredentialInput as CredentialInput
    from sparkfly_client.models.credential_input_request import CredentialInputRequest as CredentialInputRequest
    from sparkfly_client.models.credential_list import CredentialList as CredentialList
    from sparkfly_client.models.credential_response import CredentialResponse as CredentialResponse
    from sparkfly_client.models.customer_credential import CustomerCredential as CustomerCredential
    from sparkfly_client.models.customer_credential_input import CustomerCredentialInput as CustomerCredentialInput
    from sparkfly_client.models.invalid_field import InvalidField as InvalidField
    from sparkfly_client.models.problem import Problem as Problem
    from sparkfly_client.models.resource_link import ResourceLink as ResourceLink
    from sparkfly_client.models.validation_problem import ValidationProblem as ValidationProblem
