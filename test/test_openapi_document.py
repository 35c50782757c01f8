"""The OpenAPI document describes exactly what the SDK speaks."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest

from sparkfly_client.api import credentials_api
from sparkfly_client.models.bad_request_object import BadRequestObject
from sparkfly_client.models.credential import Credential
from sparkfly_client.models.credential_input import CredentialInput
from sparkfly_client.models.credential_list import CredentialList

yaml = pytest.importorskip("yaml")

DOCUMENT = Path(__file__).resolve().parent.parent / "openapi" / "sparkfly-credentials.yaml"


@pytest.fixture(scope="module")
def document() -> Dict[str, Any]:
    with DOCUMENT.open(encoding="utf-8") as handle:
        loaded: Dict[str, Any] = yaml.safe_load(handle)
    return loaded


def test_document_is_valid_openapi_3(document: Dict[str, Any]) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(document)
    assert document["openapi"].startswith("3.0")


def test_every_sdk_endpoint_is_described(document: Dict[str, Any]) -> None:
    endpoints = [value for value in vars(credentials_api).values() if isinstance(value, credentials_api.Endpoint)]
    assert len(endpoints) == 8
    for endpoint in endpoints:
        operation = document["paths"][endpoint.path][endpoint.method.lower()]
        assert operation["operationId"] == endpoint.operation_id
        declared = {p["name"] for p in operation.get("parameters", [])}
        declared |= {p["$ref"].rsplit("/", 1)[-1] for p in document["paths"][endpoint.path].get("parameters", [])}
        for param in endpoint.query_params:
            assert param.name in declared, (endpoint.operation_id, param.name)


def test_auth_and_upsert_resource_are_described(document: Dict[str, Any]) -> None:
    auth = document["paths"]["/auth"]["get"]
    assert {p["name"] for p in auth["parameters"]} == {"X-Auth-Identity", "X-Auth-Key"}
    assert "X-Auth-Token" in auth["responses"]["204"]["headers"]
    upsert = document["paths"]["/credentials/{id}"]["put"]
    assert upsert["security"] == [{"SecretApiKey": []}, {"JWT": []}]
    assert {"200", "201", "401", "403", "404", "422", "429"} <= set(upsert["responses"])


def test_security_schemes(document: Dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    token = schemes["X-Auth-Token"]
    assert (token["type"], token["in"], token["name"]) == ("apiKey", "header", "X-Auth-Token")
    assert schemes["SecretApiKey"]["name"] == "REB-APIKEY"
    assert (schemes["JWT"]["type"], schemes["JWT"]["scheme"]) == ("http", "bearer")


@pytest.mark.parametrize("model", [Credential, CredentialInput, CredentialList, BadRequestObject])
def test_schemas_declare_every_model_field(document: Dict[str, Any], model: Any) -> None:
    schema = document["components"]["schemas"][model.__name__]
    assert set(model.model_fields) <= set(schema["properties"])


def test_real_world_credential_fields(document: Dict[str, Any]) -> None:
    credential = document["components"]["schemas"]["Credential"]["properties"]
    for name in ("status", "offer_id", "redeemed_at", "voided_at"):
        assert credential[name]["nullable"] is True
    assert credential["annotations"]["type"] == "object"
