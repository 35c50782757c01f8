"""Decoding's failures: the typed exception for a response a call does not succeed on, and for a body that is not
the declared model. No I/O. (A body that is decodes in ``_client_base.decode``: this module is imported by the first
failure, not by every cold start.)"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, NoReturn, Optional, Type

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from sparkfly_client._endpoint import summarise_validation_error
from sparkfly_client._retry import server_requested_delay
from sparkfly_client.exceptions import ApiException, Redactor, ResponseDecodeError, redacted_chain

if TYPE_CHECKING:
    from sparkfly_client._steps import PreparedRequest, Response

__all__ = ["raise_undecodable", "raise_refused", "error_for"]


def raise_undecodable(response: Response, attempts: int, failure: ValueError) -> NoReturn:
    """Raise :class:`ResponseDecodeError` for a successful response whose body is not its declared model:
    ``failure`` (pydantic's error, or the JSON parser's) is its cause, and says where the body went wrong, once the
    secrets the server may have echoed into the input it repeats are hidden."""
    request = response.request
    returns = request.endpoint.returns
    assert returns is not None
    problem = summarise_validation_error(failure) if isinstance(failure, ValidationError) else str(failure)
    why = f"The body is not a valid {returns.__name__}: {problem}"
    error = error_for(request, response, attempts, note=why, error_class=ResponseDecodeError)
    hidden = bool(returns.model_config.get("hide_input_in_errors"))  # a model hiding its inputs keeps them hidden
    raise error from _redacted(failure, Redactor(request.secrets(response.token)), hidden)


def raise_refused(response: Response, attempts: int, max_retry_wait: float) -> NoReturn:
    """Raise the typed exception for a response whose status the call does not succeed on."""
    requested = server_requested_delay(response.status, response.headers)
    note: Optional[str] = None
    if requested is not None and requested > max_retry_wait:
        note = f"The server asked to retry after {requested:.0f}s; max_retry_wait is {max_retry_wait:.0f}s."
    raise error_for(response.request, response, attempts, note=note)


def _redacted(failure: ValueError, redact: Redactor, hide_input: bool = False) -> ValueError:
    """A decoding failure whose text hides what ``redact`` hides: a ``ValidationError`` is made again from its
    errors, each with its type, location, message and input, the input and message redacted (pydantic's text
    repeats the input); another error is redacted in place."""
    if not isinstance(failure, ValidationError):
        return redacted_chain(failure, redact)
    details: List[Any] = [
        {
            # The message as its own template: braces in it are no placeholders.
            "type": PydanticCustomError(detail["type"], redact(detail["msg"]).replace("{", "(").replace("}", ")")),
            "loc": detail["loc"],
            "input": _redact_value(detail["input"], redact),
        }
        for detail in failure.errors(include_url=False)
    ]
    return ValidationError.from_exception_data(failure.title, details, input_type="json", hide_input=hide_input)


def _redact_value(value: Any, redact: Redactor) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and redact(str(value)) != str(value):
        return "***"  # a secret of digits, echoed as a number
    if isinstance(value, bytes):
        return redact(value.decode("utf-8", "replace"))
    if isinstance(value, dict):
        return {_redact_value(key, redact): _redact_value(item, redact) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact_value(item, redact) for item in value]
    return value


def error_for(
    request: PreparedRequest,
    response: Response,
    attempts: int,
    *,
    note: Optional[str] = None,
    error_class: Optional[Type[ApiException]] = None,
) -> ApiException:
    """The exception for a response the call does not succeed on. The body is redacted before it is
    decoded, so neither the kept text nor the decoded model holds a credential the server echoed."""
    secrets = request.secrets(response.token)
    body = Redactor(secrets)(response.body.decode("utf-8", "replace"))
    status = response.status
    data = None
    if error_class is None:
        error_class = ApiException.for_status(status)
        data = _error_model(request.endpoint.error_model_for(status), body)
    if 300 <= status < 400 and note is None:
        location = response.header("Location")
        note = (
            f"The server redirected to {location!r}; redirects are not followed, so that credentials never go to "
            "another URL: point Configuration.host at the right address."
        )
    return error_class(
        status,
        response.reason,
        body=body,
        data=data,
        headers=response.headers,
        method=request.method,
        url=request.shown_url,
        attempts=attempts,
        note=note,
        server_message=_server_message(data, body),
        retry_after=server_requested_delay(status, response.headers),
        redact=secrets,
    )


def _error_model(model: Optional[Type[BaseModel]], body: str) -> Any:
    """The error body as the declared model where it parses as one; ``None`` otherwise."""
    if model is None or not body.lstrip().startswith("{"):
        return None
    try:
        return model.model_validate_json(body)
    except (ValidationError, ValueError):
        return None


def _server_message(data: Any, body: str) -> Optional[str]:
    """The server's own words: the error model's text fields, else a short plain-text body."""
    if data is not None:
        words = [getattr(data, name, None) for name in ("error", "message", "title", "detail")]
        text = ": ".join(dict.fromkeys(w for w in words if isinstance(w, str) and w))
        if text:
            return text
    stripped = body.strip()
    if stripped and len(stripped) <= 200 and not stripped.startswith("<"):
        return " ".join(stripped.split())
    return None
