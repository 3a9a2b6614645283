"""Shared fixtures: one real index of the bundled corpus per session, the real app, a client."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from search import kernels
from search.engine import Engine
from search.indexer import index_corpus
from web import create_app

# Indexes built by tests hold no sentence-model vectors unless a test asks for them (encoding
# costs tens of milliseconds a passage); tests/test_semantic.py turns them on. Child processes
# (the CLI and server tests) inherit this. QA_SEARCH_SEMANTIC=auto runs the whole suite with them.
os.environ.setdefault("QA_SEARCH_SEMANTIC", "off")

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "corpus"


@pytest.fixture(autouse=True)
def plain_kernels():
    """Every test starts with the re-ranker's kernels in Python (tests/test_kernels.py compares
    them with their compiled code); one that compiles them (Engine.warm()) does so for itself."""
    yield
    for name in kernels.KERNELS:
        setattr(kernels, name, kernels.PLAIN[name])


@pytest.fixture(scope="session")
def bundled_corpus(tmp_path_factory) -> Path:
    """A private copy of the bundled articles (tests may not touch the repo's folder)."""
    folder = tmp_path_factory.mktemp("corpus")
    for path in BUNDLED.iterdir():
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="session")
def bundled_index(bundled_corpus, tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("index")
    index_corpus(bundled_corpus, index_dir)
    return index_dir


@pytest.fixture(scope="session")
def engine(bundled_index):
    eng = Engine(bundled_index)
    yield eng
    eng.close()


@pytest.fixture
def app(bundled_index):
    return create_app({"TESTING": True, "INDEX_DIR": str(bundled_index)})


@pytest.fixture
def client(app):
    return app.test_client()
