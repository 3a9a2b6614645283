"""The JSON endpoint through the real app and a real index: contract, offsets, errors."""
from __future__ import annotations

import html
import re

import pytest

from search import manifest
from search.corpus import load_corpus
from search.indexer import current_build

from support import ODD_QUERIES


def _search(client, **params):
    response = client.get("/api/search", query_string=params)
    assert response.mimetype == "application/json"
    return response, response.get_json()


def test_contract_shape_and_types(client):
    response, body = _search(client, q="Who created the Star City spinoff?", k=5)
    assert response.status_code == 200
    assert set(body) == {"query", "took_ms", "results", "page", "k", "has_more", "answered", "suggestion",
                         "filters"}
    assert body["query"] == "Who created the Star City spinoff?"
    assert isinstance(body["took_ms"], float)
    assert 1 <= len(body["results"]) <= 5
    for rank, hit in enumerate(body["results"], 1):
        assert set(hit) == {"rank", "score", "text", "answer", "highlight", "citation"}
        assert hit["rank"] == rank and isinstance(hit["score"], float)
        assert set(hit["answer"]) == {"text", "start", "end"}
        assert set(hit["citation"]) == {"doc_id", "title", "source", "url", "date", "start", "end"}
    scores = [hit["score"] for hit in body["results"]]
    assert scores == sorted(scores, reverse=True)


def test_offsets_slice_back_to_the_source_document(client, bundled_corpus):
    docs = {d.doc_id: d for d in load_corpus(bundled_corpus).documents}
    _, body = _search(client, q="Where is the secret city of the Soviet space program?", k=10)
    assert body["results"]
    for hit in body["results"]:
        c, a = hit["citation"], hit["answer"]
        doc = docs[c["doc_id"]]
        assert doc.text[c["start"]:c["end"]] == hit["text"]
        assert doc.text[a["start"]:a["end"]] == a["text"]
        assert c["start"] <= a["start"] < a["end"] <= c["end"]
        assert (bundled_corpus / c["source"]).is_file()
        assert c["title"] == doc.title


def test_highlight_is_escaped_text_with_marks(client):
    _, body = _search(client, q="Soviet cosmonauts engineers", k=3)
    for hit in body["results"]:
        assert "<mark>" in hit["highlight"]
        without_marks = re.sub(r"</?mark>", "", hit["highlight"])
        assert "<" not in without_marks
        assert html.unescape(without_marks) == hit["text"]


def test_known_date_is_cited(client):
    _, body = _search(client, q="Sony Pictures Television produces", k=10)
    dated = [h["citation"] for h in body["results"] if h["citation"]["doc_id"] == "002_1cb2b5dc35a71b71"]
    assert dated and all(c["date"] == "2024-04-17" for c in dated)


def test_default_k_is_ten(client):
    _, body = _search(client, q="For All Mankind season")
    assert len(body["results"]) == 10


@pytest.mark.parametrize("params, code", [
    ({}, "empty_query"),
    ({"q": ""}, "empty_query"),
    ({"q": "   \t "}, "empty_query"),
    ({"q": "x" * 1001}, "query_too_long"),
    ({"q": "moon", "k": "0"}, "bad_k"),
    ({"q": "moon", "k": "51"}, "bad_k"),
    ({"q": "moon", "k": "-3"}, "bad_k"),
    ({"q": "moon", "k": "abc"}, "bad_k"),
    ({"q": "moon", "k": "1.5"}, "bad_k"),
    ({"q": "moon", "k": "1e3"}, "bad_k"),
])
def test_bad_input_gets_a_400_json_error(client, params, code):
    response, body = _search(client, **params)
    assert response.status_code == 400
    assert body["error"]["code"] == code
    assert body["error"]["message"]


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_odd_queries_are_searched_as_words(client, query):
    response, body = _search(client, q=query, k=3)
    if len(" ".join(query.split())) > 1000:
        assert response.status_code == 400 and body["error"]["code"] == "query_too_long"
    else:
        assert response.status_code == 200, body
        assert isinstance(body["results"], list)
        assert body["took_ms"] < 2000


def test_syntax_characters_do_not_change_the_words_searched(client):
    _, plain = _search(client, q="moon Soviet", k=5)
    _, noisy = _search(client, q='+moon* (Soviet~ AND "^ [ ] { } : / -', k=5)
    assert [h["citation"]["start"] for h in plain["results"]] == [h["citation"]["start"] for h in noisy["results"]]


@pytest.mark.parametrize("path, method, status", [
    ("/api/nothing-here", "get", 404),
    ("/api", "get", 404),
    ("/api/search", "post", 405),
    ("/api/health", "delete", 405),
])
def test_unknown_routes_and_methods_answer_json(client, path, method, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    body = response.get_json()
    assert body["error"]["code"] and body["error"]["message"]


def test_health_reports_counts(client, bundled_index):
    response = client.get("/api/health")
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "ok" and body["documents"] == 3
    assert body["passages"] == manifest.read(current_build(bundled_index)).passages > 3


def test_cors_only_on_the_api(client):
    assert client.get("/api/search?q=moon").headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/").headers
