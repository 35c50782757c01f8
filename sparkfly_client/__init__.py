"""Python client for the Sparkfly Credentials API.

    import sparkfly_client
    configuration = sparkfly_client.Configuration(host="https://api.sparkfly.com")
    configuration.api_key["X-Auth-Token"] = "..."
    with sparkfly_client.ApiClient(configuration) as api_client:
        api = sparkfly_client.CredentialsApi(api_client)

Public names are imported on first use, so ``import sparkfly_client`` costs little.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sparkfly_client._lazy import lazy_dir, lazy_exports
from sparkfly_client._version import __version__
from sparkfly_client.api import API_MODULES
from sparkfly_client.exceptions import __all__ as _exception_names
from sparkfly_client.models import MODEL_MODULES

_EXPORTS = {
    "ApiClient": "sparkfly_client.api_client",
    "AsyncApiClient": "sparkfly_client.async_api_client",
    "ApiResponse": "sparkfly_client.api_response",
    "Configuration": "sparkfly_client.configuration",
    "RetryPolicy": "sparkfly_client._retry",
    **{name: "sparkfly_client.exceptions" for name in _exception_names},
    **API_MODULES,
    **MODEL_MODULES,
}
__all__ = ["__version__", *sorted(_EXPORTS)]

__getattr__ = lazy_exports(__name__, _EXPORTS, globals())
__dir__ = lazy_dir(_EXPORTS, globals())

if TYPE_CHECKING:
    from sparkfly_client._retry import RetryPolicy as RetryPolicy
    from sparkfly_client.api.async_credentials_api import AsyncCredentialsApi as AsyncCredentialsApi
    from sparkfly_client.api.async_customer_credentials_api import (
        AsyncCustomerCredentialsApi as AsyncCustomerCredentialsApi,
    )
    from sparkfly_client.api.credentials_api import CredentialsApi as CredentialsApi
    from sparkfly_client.api.customer_credentials_api import CustomerCredentialsApi as CustomerCredentialsApi
    from sparkfly_client.api_client import ApiClient as ApiClient
    from sparkfly_client.api_response import ApiResponse as ApiResponse
    from sparkfly_client.async_api_client import AsyncApiClient as AsyncApiClient
    from sparkfly_client.configuration import Configuration as Configuration
    from sparkfly_client.exceptions import (
        ApiAttributeError as ApiAttributeError,
    )
    from sparkfly_client.exceptions import (
        ApiConnectionError as ApiConnectionError,
    )
    from sparkfly_client.exceptions import (
        ApiException as ApiException,
    )
    from sparkfly_client.exceptions import (
        ApiKeyError as ApiKeyError,
    )
    from sparkfly_client.exceptions import (
        ApiTimeoutError as ApiTimeoutError,
    )
    from sparkfly_client.exceptions import (
        ApiTransportError as ApiTransportError,
    )
    from sparkfly_client.exceptions import (
        ApiTypeError as ApiTypeError,
    )
    from sparkfly_client.exceptions import (
        ApiValueError as ApiValueError,
    )
    from sparkfly_client.exceptions import (
        BadRequestException as BadRequestException,
    )
    from sparkfly_client.exceptions import (
        ConflictException as ConflictException,
    )
    from sparkfly_client.exceptions import (
        ForbiddenException as ForbiddenException,
    )
    from sparkfly_client.exceptions import (
        NotFoundException as NotFoundException,
    )
    from sparkfly_client.exceptions import (
        OpenApiException as OpenApiException,
    )
    from sparkfly_client.exceptions import (
        OutcomeUnknownError as OutcomeUnknownError,
    )
    from sparkfly_client.exceptions import (
        ResponseDecodeError as ResponseDecodeError,
    )
    from sparkfly_client.exceptions import (
        ResponseTooLargeError as ResponseTooLargeError,
    )
    from sparkfly_client.exceptions import (
        ServiceException as ServiceException,
    )
    from sparkfly_client.exceptions import (
        TooManyRequestsException as TooManyRequestsException,
    )
    from sparkfly_client.exceptions import (
        UnauthorizedException as UnauthorizedException,
    )
    from sparkfly_client.exceptions import (
        UnprocessableEntityException as UnprocessableEntityException,
    )
    from sparkfly_client.models import (
        BadRequestObject as BadRequestObject,
    )
    from sparkfly_client.models import (
        Credential as Credential,
    )
    from sparkfly_client.models import (
        CredentialEligibilityResponse as CredentialEligibilityResponse,
    )
    from sparkfly_client.models import (
        CredentialInput as CredentialInput,
    )
    from sparkfly_client.models import (
        CredentialInputRequest as CredentialInputRequest,
    )
    from sparkfly_client.models import (
        CredentialList as CredentialList,
    )
    from sparkfly_client.models import (
        CredentialResponse as CredentialResponse,
    )
    from sparkfly_client.models import (
        CustomerCredential as CustomerCredential,
    )
    from sparkfly_client.models import (
        CustomerCredentialInput as CustomerCredentialInput,
    )
    from sparkfly_client.models import (
        InvalidField as InvalidField,
    )
    from sparkfly_client.models import (
        Problem as Problem,
    )
    from sparkfly_client.models import (
        ResourceLink as ResourceLink,
    )
    from sparkfly_client.models import (
        ValidationProblem as ValidationProblem,
    )
