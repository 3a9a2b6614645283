"""Load test: the real server (gunicorn, sync workers) on loopback, mixed questions as fast as it
answers them, plus an ingest (`add`) every few seconds. Reports requests, failures and latency.

    PYTHONPATH=. python scripts/load.py --duration 60 --concurrency 6
    PYTHONPATH=. python scripts/load.py --duration 60 --concurrency 4 \
        --corpus-jsonl benchmarks/out/data/corpus-22000.jsonl --questions-jsonl benchmarks/out/data/questions.jsonl

It builds a corpus (the bundled articles plus generated ones, or the records of --corpus-jsonl)
and an index in a temporary folder and starts `python -m search serve` there; traffic goes to that server on 127.0.0.1 only
and stops after --duration seconds (at most 600). A failure is any answer but 200 or a broken
connection. Exit status 1 on any failure, any error in the server's log, or an ingested document
that the first search after its add returned did not find.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("moon rover crater orbit comet nebula galaxy asteroid mission crew launch module signal station "
         "season series episode studio producer writer director actor network spinoff premiere finale "
         "program drama science history river mountain city harbour market engine railway bridge").split()
QUESTIONS = [
    "Who created the Star City spinoff?", "What year does the end of season four jump to?",
    "Who is the head of programming for Apple TV+?", "Which company produces the series for Apple?",
    "What are the characters mining in season four?", "moon landing", "asteroid mining mission",
    "Who directed the premiere?", "When does the new season start?", "the", "<script>alert(1)</script>",
    '"unbalanced quote', "title:* OR [a TO z]", "🚀 launch", "x" * 200,
]


def article(rng: random.Random, token: str, sentences: int) -> str:
    body = " ".join(" ".join(rng.choices(WORDS, k=rng.randint(8, 16))).capitalize() + "." for _ in range(sentences))
    return f"Article {token}\n\nThe {token} report. {body}\n"


def make_corpus(folder: Path, extra: int, rng: random.Random) -> None:
    shutil.copytree(ROOT / "corpus", folder)
    for i in range(extra):
        (folder / f"gen{i:04d}.txt").write_text(article(rng, f"gen{i}", rng.randint(5, 60)), "utf-8")


def copy_jsonl_corpus(source: Path, folder: Path, per_file: int = 4000) -> None:
    """The records of one JSONL file, as files of `per_file` records (each under the file size cap)."""
    folder.mkdir(parents=True)
    with source.open(encoding="utf-8") as lines:
        records = [line for line in lines if line.strip()]
    for n in range(0, len(records), per_file):
        (folder / f"part{n // per_file:03d}.jsonl").write_text("".join(records[n:n + per_file]), "utf-8")


def read_questions(path: Path) -> list[str]:
    """The `question` of every line of a JSONL file (benchmarks/corpus_gen.py writes one)."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line)["question"] for line in lines if line.strip()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def fetch(host: str, port: int, target: str, timeout: float) -> tuple[int, bytes]:
    """One GET on its own connection (sync workers close it anyway); (status, body)."""
    async def go():
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        data = await reader.read()
        writer.close()
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), body
    return await asyncio.wait_for(go(), timeout)


def ingest_loop(corpus: str, index: str, every: float, until: float, seed: int, queue) -> None:
    """In its own process: add a new article every `every` seconds; report (token, seconds) per add."""
    sys.path.insert(0, str(ROOT))
    from search.maintenance import add
    rng = random.Random(seed)
    inbox = Path(tempfile.mkdtemp(prefix="qa-load-in-"))
    n = 0
    while time.time() + every < until:
        time.sleep(every)
        n += 1
        token = f"zqload{seed}x{n}"
        path = inbox / f"{token}.txt"
        path.write_text(article(rng, token, rng.randint(3, 30)), "utf-8")
        started = time.perf_counter()
        add(Path(corpus), Path(index), [path])
        queue.put((token, time.perf_counter() - started))
    queue.put(None)
    shutil.rmtree(inbox, ignore_errors=True)


async def run(host: str, port: int, args, queue) -> dict:
    deadline = time.monotonic() + args.duration
    latencies: list[float] = []
    failures: list[str] = []
    statuses: dict[int, int] = {}
    probes = {"checked": 0, "missed": []}

    asked = read_questions(Path(args.questions_jsonl)) if args.questions_jsonl else None

    async def client(i: int) -> None:
        local = random.Random(args.seed * 1000 + i)
        while time.monotonic() < deadline:
            if asked:
                question = local.choice(asked)
            else:
                question = local.choice(QUESTIONS) if local.random() < 0.6 else " ".join(local.choices(WORDS, k=3))
            path = "/api/search" if local.random() < 0.7 else "/search"
            target = f"{path}?{urllib.parse.urlencode({'q': question, 'k': local.choice([3, 10, 20])})}"
            started = time.perf_counter()
            try:
                status, _ = await fetch(host, port, target, args.timeout)
            except Exception as exc:
                failures.append(f"{target[:60]}: {type(exc).__name__}")
                continue
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
            if status != 200:
                failures.append(f"{target[:60]}: HTTP {status}")

    async def watch_ingests() -> list[float]:
        took = []
        loop = asyncio.get_running_loop()
        while True:
            item = await loop.run_in_executor(None, queue.get)
            if item is None:
                return took
            token, seconds = item
            took.append(seconds)
            status, body = await fetch(host, port, "/api/search?q=" + token, args.timeout)
            probes["checked"] += 1
            found = status == 200 and any(h["citation"]["doc_id"] == token for h in json.loads(body)["results"])
            if not found:
                probes["missed"].append(token)

    watcher = asyncio.create_task(watch_ingests())
    started = time.monotonic()
    await asyncio.gather(*(client(i) for i in range(args.concurrency)))
    elapsed = time.monotonic() - started
    ingest_times = await watcher
    ms = sorted(x * 1000 for x in latencies)

    def pct(p: float) -> float:
        return round(ms[min(len(ms) - 1, int(p / 100 * len(ms)))], 1) if ms else 0.0

    return {
        "corpus": args.corpus_jsonl or f"bundled + {args.extra_articles} generated",
        "questions": args.questions_jsonl or "built-in mix",
        "duration_s": round(elapsed, 1), "concurrency": args.concurrency, "workers": args.workers,
        "requests": len(latencies) + sum(1 for f in failures if "HTTP" not in f),
        "failures": len(failures), "failure_examples": failures[:5],
        "rate_per_s": round(len(latencies) / elapsed, 1),
        "latency_ms": {"p50": pct(50), "p95": pct(95), "p99": pct(99), "max": round(ms[-1], 1) if ms else 0.0,
                       "mean": round(statistics.fmean(ms), 1) if ms else 0.0},
        "statuses": dict(sorted(statuses.items())),
        "ingests": len(ingest_times),
        "ingest_s_median": round(statistics.median(ingest_times), 3) if ingest_times else None,
        "ingested_found_at_once": probes["checked"] - len(probes["missed"]), "ingested_missed": probes["missed"],
    }


def wait_until_up(host: str, port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited while starting")
        try:
            if asyncio.run(fetch(host, port, "/api/health", 5))[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not start within 120 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30, help="seconds of traffic (default 30, at most 600)")
    parser.add_argument("--concurrency", type=int, default=6, help="requests in flight (default 6)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers when the script starts the server")
    parser.add_argument("--ingest-every", type=float, default=3.0, help="seconds between adds (default 3)")
    parser.add_argument("--extra-articles", type=int, default=300, help="generated articles beside the bundled ones")
    parser.add_argument("--corpus-jsonl", metavar="FILE", help="serve the records of this JSONL file instead "
                        "(id, title, text; e.g. benchmarks/out/data/corpus-22000.jsonl)")
    parser.add_argument("--questions-jsonl", metavar="FILE", help="ask the `question` of each line of this file "
                        "instead of the built-in mix (e.g. benchmarks/out/data/questions.jsonl)")
    parser.add_argument("--timeout", type=float, default=30.0, help="per-request timeout in seconds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON")
    args = parser.parse_args()
    if not 0 < args.duration <= 600 or not 1 <= args.concurrency <= 64:
        parser.error("--duration must be in (0, 600] and --concurrency in [1, 64]")
    for name in ("corpus_jsonl", "questions_jsonl"):
        if getattr(args, name) and not Path(getattr(args, name)).is_file():
            parser.error(f"--{name.replace('_', '-')}: no such file: {getattr(args, name)}")

    tmp = Path(tempfile.mkdtemp(prefix="qa-load-"))
    server = None
    try:
        corpus, index = tmp / "corpus", tmp / "index"
        if args.corpus_jsonl:
            copy_jsonl_corpus(Path(args.corpus_jsonl), corpus)
        else:
            make_corpus(corpus, args.extra_articles, random.Random(args.seed))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "search", "index", "--corpus", str(corpus), "--index", str(index)],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        host, port = "127.0.0.1", free_port()
        server = subprocess.Popen([sys.executable, "-m", "search", "serve", "--corpus", str(corpus), "--index",
                                   str(index), "--host", host, "--port", str(port), "--workers", str(args.workers)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=open(tmp / "server.log", "wb"))
        wait_until_up(host, port, server)
        queue = multiprocessing.get_context("spawn").Queue()
        ingester = multiprocessing.get_context("spawn").Process(
            target=ingest_loop, args=(str(corpus), str(index), args.ingest_every, time.time() + args.duration,
                                      args.seed, queue))
        ingester.start()
        report = asyncio.run(run(host, port, args, queue))
        ingester.join(60)
        log = (tmp / "server.log").read_text(errors="replace")
        report["server_errors_logged"] = log.count("Traceback") + log.count("[ERROR]")
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(report, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1), "utf-8")
    bad = report["failures"] or report["ingested_missed"] or report["server_errors_logged"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
