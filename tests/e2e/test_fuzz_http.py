"""The gateway's whole OpenAPI fuzzed (schemathesis), as a patient and as a professional: whatever
the request, no 5xx, and every answer is what the document says (its status, its content type, its
body's schema: problem details for every error). Seeded and bounded: the same requests every run."""
from __future__ import annotations

import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis import GenerationMode

from fuzz_people import FuzzPeople, fuzz_people
from gateway import media, openapi, protos

CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "response_headers_conformance"]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 6))      # requests per operation and caller, valid and invalid
NDJSON = "application/x-ndjson"
# The path parameters naming a person: now and then the fuzz caller's own, to get past the access checks.
OWN_IDS = {"patientId": "patient_id", "accountId": "patient_id", "profileId": "patient_id",
           "professionalId": "professional_id"}


def _operations() -> dict[str, dict]:
    """Every operation of the document the gateway serves, by label (derived from the protos, as it does)."""
    table = [route for service in protos.services_of(protos.import_generated()) for route in media.routes_for(service)]
    return {f"{method.upper()} {path}": operation
            for path, item in openapi.document(table)["paths"].items() for method, operation in item.items()}


OPERATIONS = _operations()
# The streams of lines (the bell's watch) end only when the client leaves.
ENDLESS = {label for label, operation in OPERATIONS.items() if NDJSON in operation["responses"]["200"]["content"]}


@pytest.fixture(scope="module")
def people(platform) -> FuzzPeople:
    return fuzz_people(platform, "http", "192.0.2.80")


@pytest.fixture(scope="module", params=["patient", "professional"])
def gateway_api(request, platform, people):
    token = getattr(people, f"{request.param}_token")
    config = schemathesis.Config.from_dict({
        "base-url": platform.gateway_url,
        "headers": {"Authorization": f"Bearer {token}", "X-Forwarded-For": people.client_address},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
    })
    schema = schemathesis.openapi.from_url(f"{platform.gateway_url}/openapi.json", config=config)

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        if not path_parameters:
            return st.just(path_parameters)
        own = {name: getattr(people, OWN_IDS[name]) for name in path_parameters if name in OWN_IDS}
        return st.sampled_from([path_parameters, {**path_parameters, **own}])
    return schema


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_operation_answers_as_documented(gateway_api, label):
    operation = gateway_api.find_operation_by_label(label)
    assert operation is not None, f"{label} is not in the served document"

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(case=st.one_of([operation.as_strategy(generation_mode=mode) for mode in GenerationMode]))
    def fuzz(case):
        call_and_validate(case)

    fuzz()


def call_and_validate(case) -> None:
    """The answer to `case`, checked; of an endless stream, its status and content type, then the
    client leaves."""
    if case.operation.label not in ENDLESS:
        case.call_and_validate()
        return
    with requests.request(**case.as_transport_kwargs(), stream=True, timeout=10) as answer:
        if answer.status_code == 200 and answer.headers["content-type"] == NDJSON:
            return
        answer.content  # noqa: B018  an error ends: all of it is read and checked
    case.validate_response(answer)


def test_the_authorization_endpoints_error_page_is_documented(gateway_api):
    """Found by the fuzz: /oauth/authorize answers an HTML page to the person when the request is bad
    (it cannot redirect to an unchecked URI, RFC 6749 §4.1.2.1), which the document did not say."""
    case = gateway_api["/oauth/authorize"]["GET"].Case(query={"response_type": "token"})
    answer = case.call()
    assert answer.status_code == 400 and answer.headers["content-type"][0].startswith("text/html")
    case.validate_response(answer)
