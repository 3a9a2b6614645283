"""Terms as 64-bit codes: the same in every process."""
import os
import subprocess
import sys
from pathlib import Path

from search import termcodes

ROOT = Path(__file__).parent.parent
TERMS = ["moon", "moon's", "u.s", "", "İstanbul", "ΟΔΟΣ", "x" * 60, "\udcff"]  # a lone surrogate too


def test_codes_are_the_same_in_another_process_with_another_string_hash():
    script = "from search import termcodes; print(termcodes.codes(%r).tolist())" % TERMS
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == str(termcodes.codes(TERMS).tolist())
    assert len(set(termcodes.codes(TERMS).tolist())) == len(TERMS)


def test_a_full_cache_starts_again_and_gives_the_same_codes(monkeypatch):
    before = termcodes.codes(TERMS).tolist()
    monkeypatch.setattr(termcodes, "_CACHE_MAX", 3)
    monkeypatch.setattr(termcodes, "_CACHE", {})
    assert termcodes.codes(TERMS).tolist() == before
    assert len(termcodes._CACHE) <= 3


def test_stored_forms_read_back():
    assert termcodes.decode(termcodes.encode(TERMS)).tolist() == termcodes.codes(TERMS).tolist()
    assert termcodes.decode(termcodes.encode_set({"b", "a", "c"})).tolist() == sorted(termcodes.codes(["a", "b", "c"]).tolist())
    assert termcodes.decode_starts(termcodes.encode_starts([0, 7, termcodes.STARTS_MAX])).tolist() == [0, 7, 65535]
    assert termcodes.decode_starts(None) is None
