"""Operations declared once, served by the sync and the async API classes alike as plain functions.

An operation is declared as a method that turns its arguments into a :class:`Call` (data, no I/O)::

    class CredentialsOperations(ApiBase):
        @operation
        def get_credential(self, credential_id: int, **options: Unpack[RequestOptions]) -> Call[CredentialResponse]:
            return Call(GET_CREDENTIAL, {"credential_id": credential_id}, options)

        get_credential_with_http_info = get_credential.with_http_info()
        get_credential_without_preload_content = get_credential.without_preload_content()

    class CredentialsApi(CredentialsOperations, SyncApi): ...
    class AsyncCredentialsApi(CredentialsOperations, AsyncApi): ...

When a :class:`SyncApi` or :class:`AsyncApi` class is created, each declared variant becomes a plain function
of that class, named after it (``CredentialsApi.get_credential``): on a :class:`SyncApi` it returns the model,
an :class:`ApiResponse` or the unread urllib3 response; on an :class:`AsyncApi` it is a coroutine function
returning the model, an :class:`ApiResponse` or the unread aiohttp response. ``inspect``, ``help()``,
``unittest.mock.create_autospec`` and tracebacks see real functions with the declared parameters, the
keywords of ``**options: Unpack[...]`` listed one by one. A function's signature is worked out when first asked for
(``inspect.signature`` finds it behind the function's ``__wrapped__``, which leads on to the declaration, whose
source ``inspect.getsource`` shows), so making an API class makes none. Type checkers see the same through the
descriptors' overloads below.
"""

from __future__ import annotations

import inspect
import sys
import types
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Coroutine,
    Dict,
    Generic,
    List,
    Optional,
    Tuple,
    Type,
    TypeVar,
    overload,
)

from typing_extensions import ParamSpec

from sparkfly_client._request import DATA, HTTP_INFO, OPTION_DEFAULTS, UNREAD, Call, Variant

if TYPE_CHECKING:
    import aiohttp
    import urllib3
    from typing_extensions import Concatenate

    from sparkfly_client.api_response import ApiResponse

__all__ = ["ApiBase", "SyncApi", "AsyncApi", "Operation", "Variant", "operation", "declared_operations"]

P = ParamSpec("P")
R = TypeVar("R")
if TYPE_CHECKING:
    Declaration = Callable[Concatenate[Any, P], Call[R]]


class ApiBase:
    """What the operation classes share; the client does the work (``api_client.run_call``)."""

    api_client: Any
    #: how a variant becomes a function of a concrete class (set by SyncApi and AsyncApi)
    _function_maker: Optional[Callable[[Callable[..., Call[Any]], Variant], Callable[..., Any]]] = None
    #: the unread response's type, as return annotations show it
    _unread_type = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls._function_maker is not None and "_function_maker" not in vars(cls):  # a concrete API class
            _install_functions(cls)


def _sync_function(declaration: Callable[..., Call[Any]], variant: Variant) -> Callable[..., Any]:
    def operation(self: Any, *args: Any, **kwargs: Any) -> Any:
        return self.api_client.run_call(declaration(self, *args, **kwargs), variant)

    return operation


def _async_function(declaration: Callable[..., Call[Any]], variant: Variant) -> Callable[..., Any]:
    async def operation(self: Any, *args: Any, **kwargs: Any) -> Any:
        return await self.api_client.run_call(declaration(self, *args, **kwargs), variant)

    return operation


class SyncApi(ApiBase):
    _function_maker = staticmethod(_sync_function)
    _unread_type = "urllib3.BaseHTTPResponse"


class AsyncApi(ApiBase):
    _function_maker = staticmethod(_async_function)
    _unread_type = "aiohttp.ClientResponse"


class _Variant:
    """A declared variant of an operation; a concrete API class replaces it with a function (see the module's
    description)."""

    result = DATA

    def __init__(self, declaration: Callable[..., Call[Any]]) -> None:
        self.declaration = declaration
        self.__doc__ = declaration.__doc__

    def __repr__(self) -> str:
        return f"<operation {self.declaration.__name__} ({self.result})>"

    def returns(self, api_class: Type[ApiBase]) -> str:
        """The return annotation of this variant on ``api_class``."""
        declared = str(presented_signature(self.declaration).return_annotation)
        model = declared[len("Call[") : -1] if declared.startswith("Call[") else "Any"
        if self.result == HTTP_INFO:
            return f"ApiResponse[{model}]"
        return api_class._unread_type if self.result == UNREAD else model


class Operation(_Variant, Generic[P, R]):
    """``name(...)``: the decoded model."""

    @overload
    def __get__(self, obj: None, owner: Type[SyncApi]) -> Callable[Concatenate[SyncApi, P], R]: ...
    @overload
    def __get__(
        self, obj: None, owner: Type[AsyncApi]
    ) -> Callable[Concatenate[AsyncApi, P], Coroutine[Any, Any, R]]: ...
    @overload
    def __get__(self, obj: None, owner: Any) -> Operation[P, R]: ...
    @overload
    def __get__(self, obj: SyncApi, owner: Any) -> Callable[P, R]: ...
    @overload
    def __get__(self, obj: AsyncApi, owner: Any) -> Callable[P, Coroutine[Any, Any, R]]: ...
    def __get__(self, obj: Any, owner: Any) -> Any:
        return self

    def with_http_info(self) -> WithHttpInfo[P, R]:
        """The ``_with_http_info`` variant of this operation."""
        return WithHttpInfo(self.declaration)

    def without_preload_content(self) -> WithoutPreloadContent[P]:
        """The ``_without_preload_content`` variant of this operation."""
        return WithoutPreloadContent(self.declaration)


class WithHttpInfo(_Variant, Generic[P, R]):
    """``name_with_http_info(...)``: an :class:`ApiResponse` with status, headers and raw body too."""

    result = HTTP_INFO

    @overload
    def __get__(self, obj: None, owner: Type[SyncApi]) -> Callable[Concatenate[SyncApi, P], ApiResponse[R]]: ...
    @overload
    def __get__(
        self, obj: None, owner: Type[AsyncApi]
    ) -> Callable[Concatenate[AsyncApi, P], Coroutine[Any, Any, ApiResponse[R]]]: ...
    @overload
    def __get__(self, obj: None, owner: Any) -> WithHttpInfo[P, R]: ...
    @overload
    def __get__(self, obj: SyncApi, owner: Any) -> Callable[P, ApiResponse[R]]: ...
    @overload
    def __get__(self, obj: AsyncApi, owner: Any) -> Callable[P, Coroutine[Any, Any, ApiResponse[R]]]: ...
    def __get__(self, obj: Any, owner: Any) -> Any:
        return self


class WithoutPreloadContent(_Variant, Generic[P]):
    """``name_without_preload_content(...)``: the unread response, whatever its status."""

    result = UNREAD

    @overload
    def __get__(
        self, obj: None, owner: Type[SyncApi]
    ) -> Callable[Concatenate[SyncApi, P], urllib3.BaseHTTPResponse]: ...
    @overload
    def __get__(
        self, obj: None, owner: Type[AsyncApi]
    ) -> Callable[Concatenate[AsyncApi, P], Coroutine[Any, Any, aiohttp.ClientResponse]]: ...
    @overload
    def __get__(self, obj: None, owner: Any) -> WithoutPreloadContent[P]: ...
    @overload
    def __get__(self, obj: SyncApi, owner: Any) -> Callable[P, urllib3.BaseHTTPResponse]: ...
    @overload
    def __get__(self, obj: AsyncApi, owner: Any) -> Callable[P, Coroutine[Any, Any, aiohttp.ClientResponse]]: ...
    def __get__(self, obj: Any, owner: Any) -> Any:
        return self


def operation(declaration: Declaration[P, R]) -> Operation[P, R]:
    """Declare an operation (see the module's description)."""
    return Operation(declaration)


_HTTP_INFO_NOTE = "\n\nReturns an ApiResponse: ``status_code``, ``headers``, the decoded ``data`` and the ``raw_data``."
_UNREAD_NOTE = "\n\nReturns the unread response, whatever its status; read it, then release it."


def _install_functions(cls: Type[ApiBase]) -> None:
    """Make each declared variant a function of ``cls``, and present the keywords of every function of ``cls``
    that takes ``**name: Unpack[SomeTypedDict]`` one by one."""
    maker = cls._function_maker
    assert maker is not None
    api_name = cls.__name__[len("Async") :] if cls.__name__.startswith("Async") else cls.__name__
    declared: List[str] = []
    variants = _variants(cls)
    for name, variant in variants.items():
        declaration = variant.declaration
        function = maker(declaration, Variant(variant.result, f"{api_name}.{declaration.__name__}"))
        qualname = f"{cls.__qualname__}.{name}"
        # The frame a traceback shows is named after the operation; the function lives in the API's module.
        if sys.version_info >= (3, 11):
            code = function.__code__.replace(co_name=name, co_qualname=qualname)
        else:
            code = function.__code__.replace(co_name=name)
        function = types.FunctionType(code, declaration.__globals__, name, None, function.__closure__)
        function.__qualname__ = qualname
        function.__module__ = cls.__module__
        function.__doc__ = (declaration.__doc__ or "") + {DATA: "", HTTP_INFO: _HTTP_INFO_NOTE}.get(
            variant.result, _UNREAD_NOTE
        )
        coroutine = bool(function.__code__.co_flags & inspect.CO_COROUTINE)
        function.__wrapped__ = _Presented(variant, cls, coroutine)  # type: ignore[attr-defined]
        setattr(cls, name, function)
        if variant.result == DATA:
            declared.append(name)
    for name, member in list(vars(cls).items()):
        # A method of the class itself taking keywords of a TypedDict (iter_credentials) presents them too.
        if name not in variants and inspect.isfunction(member) and "Unpack[" in str(member.__annotations__):
            member.__signature__ = presented_signature(member)  # type: ignore[attr-defined]
    if declared:  # a subclass of an API class inherits the list with the functions, and adds what it declares
        inherited = getattr(cls, "_declared_operations", ())
        cls._declared_operations = tuple(sorted({*inherited, *declared}))  # type: ignore[attr-defined]


class _Presented:
    """What ``inspect.signature`` finds behind an operation function (its ``__wrapped__``): the declared signature
    as that variant on that class presents it (see :func:`presented_signature`), worked out when first asked for,
    so that making an API class makes none. It wraps the declaration in turn, so ``inspect.getsource`` shows the
    declared operation."""

    __slots__ = ("__wrapped__", "_variant", "_api_class")

    def __init__(self, variant: _Variant, api_class: Type[ApiBase], coroutine: bool) -> None:
        self.__wrapped__: Callable[..., Any] = variant.declaration
        if coroutine and hasattr(inspect, "markcoroutinefunction"):
            # What unwraps a coroutine operation to its end (a spec'd mock since Python 3.13) finds a coroutine
            # function: a copy of the declaration, marked as one (its code, and so its source, the declaration's).
            declaration = variant.declaration
            copy = types.FunctionType(declaration.__code__, declaration.__globals__, declaration.__name__)
            self.__wrapped__ = inspect.markcoroutinefunction(copy)
        self._variant = variant
        self._api_class = api_class

    @property
    def __signature__(self) -> inspect.Signature:
        return presented_signature(self._variant.declaration, self._variant.returns(self._api_class))


def _variants(cls: type) -> Dict[str, _Variant]:
    """The declared variants ``cls`` has, by name (each the one nearest ``cls`` in its MRO), in order of name."""
    found: Dict[str, _Variant] = {}
    for klass in reversed(cls.__mro__):
        for name, member in vars(klass).items():
            if isinstance(member, _Variant):
                found[name] = member
            elif name in found:  # hidden by something else nearer cls
                del found[name]
    return dict(sorted(found.items()))


def declared_operations(api_class: type) -> Tuple[str, ...]:
    """The operations of a concrete API class, by name; each also has its ``_with_http_info`` and
    ``_without_preload_content`` variants."""
    return tuple(getattr(api_class, "_declared_operations", ()))


_PRESENTED: Dict[Tuple[Callable[..., Any], Optional[str]], inspect.Signature] = {}
_KEYWORD_PARAMETERS: Dict[type, List[inspect.Parameter]] = {}


def presented_signature(function: Callable[..., Any], returns: Optional[str] = None) -> inspect.Signature:
    """``function``'s signature with its ``**name: Unpack[SomeTypedDict]`` shown as the keyword-only parameters the
    TypedDict names (a keyword not among them is refused by ``create_autospec`` mocks and by the function itself),
    returning ``returns`` where given. Worked out once per function and return annotation."""
    presented = _PRESENTED.get((function, returns))
    if presented is not None:
        return presented
    if returns is None:
        signature = inspect.signature(function)
        parameters = list(signature.parameters.values())
        keywords = _keywords_of(function, parameters)
        if keywords is not None:
            parameters = parameters[:-1] + _keyword_parameters(keywords)
        presented = signature.replace(parameters=parameters)
    else:
        presented = inspect.Signature(
            list(presented_signature(function).parameters.values()),
            return_annotation=returns,
            __validate_parameters__=False,  # checked when the declared signature was presented
        )
    _PRESENTED[(function, returns)] = presented
    return presented


def _keyword_parameters(keywords: type) -> List[inspect.Parameter]:
    """The keys of a TypedDict as keyword-only parameters, each with its presented default."""
    parameters = _KEYWORD_PARAMETERS.get(keywords)
    if parameters is None:
        parameters = _KEYWORD_PARAMETERS[keywords] = [
            inspect.Parameter(
                key,
                inspect.Parameter.KEYWORD_ONLY,
                default=OPTION_DEFAULTS.get(key),
                annotation=_optional(getattr(annotation, "__forward_arg__", annotation), OPTION_DEFAULTS.get(key)),
            )
            for key, annotation in keywords.__annotations__.items()
        ]
    return parameters


def _optional(annotation: Any, default: Any) -> Any:
    """A keyword that defaults to ``None`` takes ``None``: say so where its annotation does not."""
    if default is None and isinstance(annotation, str) and "None" not in annotation and "Optional[" not in annotation:
        return f"Optional[{annotation}]"
    return annotation


def _keywords_of(function: Callable[..., Any], parameters: List[inspect.Parameter]) -> Optional[type]:
    """The TypedDict of ``function``'s ``**name: Unpack[...]`` (its last parameter), or ``None``."""
    if not parameters or parameters[-1].kind is not inspect.Parameter.VAR_KEYWORD:
        return None
    annotation = parameters[-1].annotation
    if not (isinstance(annotation, str) and annotation.startswith("Unpack[")):
        return None
    found = getattr(function, "__globals__", {}).get(annotation[len("Unpack[") : -1])
    return found if isinstance(found, type) else None
