"""/api/openapi.json stays true: a valid OpenAPI 3.1 document whose every path, parameter and
response (errors included) is checked against real responses of the app, validated with jsonschema."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from web import create_app

URN = "urn:qa-search:openapi"
DOC = "002_1cb2b5dc35a71b71"

# (path as documented, URL requested, expected status): every documented response is exercised.
CASES = [
    ("/api/search", "/api/search?q=Who+created+the+Star+City+spinoff%3F", 200),
    ("/api/search", "/api/search?q=For+All+Mankind&k=3&page=2&doc=" + DOC + "&doc=000_306199d81de9567f", 200),
    ("/api/search", "/api/search?q=Mankind&date_from=2024-01-01&date_to=2024-12-31", 200),
    ("/api/search", "/api/search?q=Who+creatd+the+Star+Cty", 200),
    ("/api/search", "/api/search?q=zebra+xylophone", 200),
    ("/api/search", "/api/search?q=the+of+and", 200),
    ("/api/search", "/api/search", 400),
    ("/api/search", "/api/search?q=moon&k=0", 400),
    ("/api/search", "/api/search?q=moon&page=x", 400),
    ("/api/search", "/api/search?q=moon&doc=nope", 400),
    ("/api/search", "/api/search?q=moon&date_from=2024-02-30", 400),
    ("/api/search", "/api/search?q=moon&date_from=2024-02-03&date_to=2024-02-01", 400),
    ("/api/search", "/api/search?q=" + "x" * 1001, 400),
    ("/api/documents/{doc_id}", f"/api/documents/{DOC}", 200),
    ("/api/documents/{doc_id}", "/api/documents/no-such-doc", 404),
    ("/api/health", "/api/health", 200),
    ("/api/openapi.json", "/api/openapi.json", 200),
]
UNAVAILABLE = [("/api/search", "/api/search?q=moon", 503), ("/api/documents/{doc_id}", f"/api/documents/{DOC}", 503),
               ("/api/health", "/api/health", 503)]


@pytest.fixture(scope="module")
def spec(bundled_index):
    app = create_app({"TESTING": True, "INDEX_DIR": str(bundled_index)})
    return app.test_client().get("/api/openapi.json").get_json()


def _validator(spec: dict, path: str, status: int) -> Draft202012Validator:
    pointer = "/".join(["#", "paths", path.replace("~", "~0").replace("/", "~1"), "get", "responses", str(status),
                        "content", "application~1json", "schema"])
    registry = Registry().with_resource(URN, Resource.from_contents(spec, default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": URN + pointer}, registry=registry,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def _check(spec, client, path, url, status):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert str(status) in spec["paths"][path]["get"]["responses"], f"{path} {status} is not documented"
    _validator(spec, path, status).validate(response.get_json())


def test_the_description_is_valid_openapi(spec):
    validate_spec(spec)
    assert spec["openapi"].startswith("3.1")


def test_every_api_route_is_documented_and_nothing_else(app, spec):
    routes = {rule.rule.replace("<path:", "{").replace("<", "{").replace(">", "}")
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    assert routes == set(spec["paths"])
    for path, operations in spec["paths"].items():
        assert set(operations) == {"get"}, path


def test_every_documented_response_is_exercised(spec):
    seen = {(path, str(status)) for path, _, status in CASES + UNAVAILABLE}
    documented = {(path, status) for path, ops in spec["paths"].items() for status in ops["get"]["responses"]}
    assert documented == seen


def test_every_documented_search_parameter_is_used(spec):
    names = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    used = {part.split("=")[0] for _, url, _ in CASES if url.startswith("/api/search?")
            for part in url.split("?")[1].split("&")}
    assert names == used


@pytest.mark.parametrize("path, url, status", CASES, ids=[f"{s}-{u[:60]}" for _, u, s in CASES])
def test_real_responses_match_the_description(spec, client, path, url, status):
    _check(spec, client, path, url, status)


@pytest.mark.parametrize("path, url, status", UNAVAILABLE, ids=[u for _, u, _ in UNAVAILABLE])
def test_missing_index_responses_match_the_description(spec, tmp_path, path, url, status):
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "none")}).test_client()
    _check(spec, client, path, url, status)


def test_error_codes_outside_the_documented_list_fail_validation(spec):
    """The contract test has teeth: an undocumented code is caught."""
    body = {"error": {"code": "surprise", "message": "m"}}
    assert list(_validator(spec, "/api/search", 400).iter_errors(body))


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
_param = st.one_of(_text, st.integers(-5, 300).map(str), st.dates().map(str), st.sampled_from(["", " ", DOC]))


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.fixed_dictionaries({}, optional={"q": st.one_of(_text, st.sampled_from(["moon", "Star City"])),
                                                  "k": _param, "page": _param, "doc": st.lists(_param, max_size=3),
                                                  "date_from": _param, "date_to": _param}))
def test_any_parameters_get_a_documented_answer(spec, client, params):
    response = client.get("/api/search", query_string=params)
    assert str(response.status_code) in spec["paths"]["/api/search"]["get"]["responses"]
    _validator(spec, "/api/search", response.status_code).validate(response.get_json())
