"""The real server for tests: `python -m search serve` (gunicorn, sync workers) on a free loopback port."""
from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def get(port: int, target: str, timeout: float = 10) -> tuple[int, bytes]:
    """(status, body) of one GET on a fresh connection, as gunicorn's sync workers want."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", target)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def get_json(port: int, target: str) -> tuple[int, dict]:
    status, body = get(port, target)
    return status, json.loads(body)


def raw(port: int, request: bytes, timeout: float = 10) -> bytes:
    """Send bytes as they are (malformed requests) and read the whole answer."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@contextmanager
def running_server(corpus: Path, index: Path, log: Path, workers: int = 2) -> Iterator[int]:
    """Start the server (its error log to `log`), wait until it answers, yield its port; stop it afterwards."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    errors = open(log, "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "search", "serve", "--corpus", str(corpus), "--index", str(index),
         "--host", HOST, "--port", str(port), "--workers", str(workers)],
        stdout=subprocess.DEVNULL, stderr=errors, env=env)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if get(port, "/api/health", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        errors.close()
