"""Searches through the real server (gunicorn, 2 sync workers) while the index changes under it.

Documents are added, changed and removed and a full rebuild swaps in while client threads
search without pause. Every request must succeed; no response may repeat a passage; and a
request that starts after a change was committed must already see it (each request checks
whether its searcher is up to date, so "visible" is immediate, not "within a second or two").
"""
from __future__ import annotations

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass

from search.indexer import index_corpus
from search.maintenance import add, remove, rescan
from liveserver import get, running_server
from support import make_corpus

QUESTIONS = ["Who created the Star City spinoff?", "What year does season four jump to?", "moon landing",
             "Which company produces the series?", "asteroid mining", "Who is the head of programming?"]


@dataclass(frozen=True)
class Seen:
    started: float
    ended: float
    query: str
    status: int
    hits: tuple[tuple[str, int], ...]  # (doc id, passage start) of each result


def article(token: str, extra: str = "") -> str:
    return f"Probe {token}\n\nThe probe article {token} mentions the moon and an asteroid. {extra}\n"


def client(port: int, stop: threading.Event, seen: list[Seen], probes: list[str]) -> None:
    n = 0
    while not stop.is_set():
        query = probes[n % len(probes)] if n % 2 else QUESTIONS[n % len(QUESTIONS)]
        n += 1
        started = time.monotonic()
        try:
            status, body = get(port, "/api/search?" + urllib.parse.urlencode({"q": query, "k": 20}))
            hits = tuple((h["citation"]["doc_id"], h["citation"]["start"]) for h in json.loads(body)["results"]) \
                if status == 200 else ()
        except Exception as exc:  # a refused or broken connection is a failure too
            status, hits = -1, (repr(exc),)
        seen.append(Seen(started, time.monotonic(), query, status, hits))


def test_searches_never_fail_or_go_stale_while_the_index_changes(bundled_corpus, tmp_path):
    corpus = make_corpus(tmp_path / "corpus", {p.name: p.read_bytes() for p in bundled_corpus.iterdir()})
    make_corpus(corpus, {"keep.txt": article("zqkeep")})
    index = tmp_path / "index"
    index_corpus(corpus, index)
    probes = ["zqkeep", "zqnew", "zqold", "zqfresh"]
    seen: list[Seen] = []
    stop = threading.Event()
    changes: list[tuple[float, float, str]] = []  # (began, committed, what)

    def change(what: str, action) -> None:
        began = time.monotonic()
        action()
        changes.append((began, time.monotonic(), what))
        time.sleep(0.6)

    with running_server(corpus, index, tmp_path / "server.log") as port:
        threads = [threading.Thread(target=client, args=(port, stop, seen, probes)) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            time.sleep(0.6)
            outside = make_corpus(tmp_path / "in", {"probe.txt": article("zqold")})
            change("added zqold", lambda: add(corpus, index, [outside / "probe.txt"]))
            (corpus / "probe.txt").write_text(article("zqnew", "Now updated."), "utf-8")
            change("updated to zqnew", lambda: rescan(corpus, index))
            change("removed keep", lambda: remove(index, ["keep"]))
            make_corpus(corpus, {"fresh.md": "# Fresh\n\nA fresh zqfresh article about the moon."})
            change("rebuilt with zqfresh", lambda: rescan(corpus, index, rebuild=True))
            (corpus / "probe.txt").unlink()
            change("deleted probe", lambda: rescan(corpus, index))
        finally:
            stop.set()
            for t in threads:
                t.join(30)
    log = (tmp_path / "server.log").read_text()

    failed = [s for s in seen if s.status != 200]
    assert not failed, failed[:5]
    assert "Traceback" not in log and "[ERROR]" not in log, log[-2000:]
    assert len(seen) > 50, "too few requests to prove anything"
    assert all(len(set(s.hits)) == len(s.hits) for s in seen), "a response repeated a passage"
    states = [STATES[0]]
    for _, _, what in changes:
        states.append({**states[-1], **STATES[what]})
    stale = []
    for s in (s for s in seen if s.query in probes):
        # Linearizable: the state after every change committed before the request started, or a later
        # one whose change had begun before the request ended; nothing older, nothing never committed.
        first = sum(committed <= s.started for _, committed, _ in changes)
        last = sum(began < s.ended for began, _, _ in changes)
        found = frozenset(d for d, _ in s.hits)
        if found not in [states[n][s.query] for n in range(first, last + 1)]:
            stale.append((s.query, sorted(found), first, last))
    assert not stale, stale[:5]
    print(f"{len(seen)} requests, none failed, none stale, {len(changes)} changes")


# What each probe word finds: at first, then after each change (only the probes it alters).
STATES = {
    0: {"zqkeep": frozenset({"keep"}), "zqold": frozenset(), "zqnew": frozenset(), "zqfresh": frozenset()},
    "added zqold": {"zqold": frozenset({"probe"})},
    "updated to zqnew": {"zqold": frozenset(), "zqnew": frozenset({"probe"})},
    "removed keep": {"zqkeep": frozenset()},
    "rebuilt with zqfresh": {"zqfresh": frozenset({"fresh"})},
    "deleted probe": {"zqnew": frozenset()},
}
