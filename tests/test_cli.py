"""The CLI as a user runs it: real subprocesses, real index, real gunicorn."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args, cwd=None, env=None, timeout=120):
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "search", *args], capture_output=True, text=True,
                          cwd=cwd, env=full_env, timeout=timeout)


def test_index_then_ask_as_text(bundled_corpus, tmp_path):
    built = run("index", "--corpus", str(bundled_corpus), "--index", str(tmp_path / "ix"))
    assert built.returncode == 0, built.stderr
    assert "indexed 3 documents as" in built.stdout
    asked = run("ask", "Who is the head of programming for Apple TV+?", "-k", "2", "--index", str(tmp_path / "ix"))
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.startswith("[1] ")
    assert "Matt Cherniss" in asked.stdout and "002_1cb2b5dc35a71b71.txt" in asked.stdout
    assert "2 results in" in asked.stdout


def test_ask_as_text_says_when_no_passage_answers_and_offers_the_spelling(bundled_index):
    asked = run("ask", "Sovjet cosmonauts", "-k", "1", "--index", str(bundled_index))
    assert asked.returncode == 0, asked.stderr
    first, *_ = asked.stdout.splitlines()
    assert first.startswith('No good answer found: none of the passages holds enough of "Sovjet cosmonauts"')
    assert first.endswith('Did you mean "Soviet cosmonauts"?')
    assert "\n[1] " in asked.stdout and asked.stdout.rstrip().splitlines()[-1].startswith("1 result in ")
    misspelled = run("ask", "Sovjet cosmonuats", "--index", str(bundled_index))
    assert misspelled.stdout.strip() == 'No passages match "Sovjet cosmonuats". Did you mean "Soviet cosmonauts"?'
    nothing = run("ask", "qqqqqq zzzzzz", "--index", str(bundled_index))
    assert nothing.stdout.strip() == 'No passages match "qqqqqq zzzzzz".'
    answered = run("ask", "Who created the Star City spinoff?", "--index", str(bundled_index))
    assert answered.stdout.startswith("[1] ") and "No good answer" not in answered.stdout


def test_ask_json_is_the_endpoint_body(bundled_index, client):
    q = "Who created the Star City spinoff?"
    asked = run("ask", q, "-k", "4", "--json", "--index", str(bundled_index))
    assert asked.returncode == 0, asked.stderr
    cli = json.loads(asked.stdout)
    api = client.get("/api/search", query_string={"q": q, "k": 4}).get_json()
    cli.pop("took_ms"), api.pop("took_ms")
    assert cli == api


@pytest.mark.parametrize("args, code, message", [
    (["ask", "moon", "-k", "0"], 2, "k must be a whole number"),
    (["ask", "   "], 2, "the question is empty"),
    (["ask", "moon", "--index", "no-such-index"], 1, "no index in no-such-index"),
    (["index", "--corpus", "no-such-folder", "--index", "ix"], 1, "corpus folder not found"),
])
def test_errors_are_one_clear_line(tmp_path, args, code, message):
    result = run(*args, cwd=tmp_path)
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("variable, value, kind", [
    ("QA_SEARCH_PASSAGE_CACHE_MB", "lots", "a whole number from 0"),
    ("QA_SEARCH_PASSAGE_CACHE_MB", "-5", "a whole number from 0"),
    ("QA_SEARCH_PORT", "80.5", "a whole number from 0"),
    ("QA_SEARCH_WRITER_WAIT", "nan", "a number from 0"),
])
def test_a_setting_the_environment_spoils_is_one_clear_line(bundled_index, variable, value, kind):
    result = run("ask", "moon", "--index", str(bundled_index), env={variable: value})
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(f"error: {variable}={value!r}: ") and kind in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [[], ["index"], ["ask"], ["serve"]])
def test_every_command_has_help(command):
    result = run(*command, "--help")
    assert result.returncode == 0 and "usage: qa-search" in result.stdout


def test_defaults_search_the_bundled_corpus(tmp_path):
    """With no arguments, from an empty folder: the bundled articles, index in ./index."""
    built = run("index", cwd=tmp_path, env={"QA_SEARCH_CORPUS": "", "QA_SEARCH_INDEX": ""})
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "index" / "CURRENT").is_file()
    asked = run("ask", "Who created the Star City spinoff?", cwd=tmp_path)
    assert "Star City" in asked.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_builds_a_missing_index_and_answers(bundled_corpus, tmp_path):
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "search", "serve", "--corpus", str(bundled_corpus), "--index",
         str(tmp_path / "ix"), "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/health", timeout=2) as r:
                    health = json.load(r)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert health["documents"] == 3
        with urllib.request.urlopen(f"{base}/api/search?q=Who+created+the+Star+City+spinoff%3F&k=3") as r:
            body = json.load(r)
        assert len(body["results"]) == 3
        with urllib.request.urlopen(f"{base}/search?q=moon") as r:
            assert "text/html" in r.headers["Content-Type"]
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "building the index" in output
    assert "Traceback" not in output
