"""The query path's loops: the first stage's adding of scores and its top k, and the
re-ranker's passes over a question's hits and its candidates' sentences.

Each kernel is plain Python over numpy arrays, and runs as such until compile() hands them
all to numba, which turns them into machine code (cached on disk after the first time) with
no other change: the re-ranker's hundred-odd numpy calls a question, each with its fixed
cost, become six. Numba takes about a second to load in a new process, so only a
long-lived one pays it (Engine.warm(): the server's workers and the web app, the evaluation,
the benchmarks); a one-shot command answers in Python, which is slower by milliseconds. Both
ways give the same numbers to the last bit: tests/test_kernels.py compares them.

The re-ranker's arrays describe the candidates of one question, chained: their terms one
after another, their sentences likewise. A "hit" is a position among the terms that holds a
weighted term of the question.
"""
from __future__ import annotations

import logging
from functools import cache

import numpy as np

from . import settings

log = logging.getLogger(__name__)

WINDOW = 12  # terms in the proximity window


def found_at(codes, first, known):
    """For each of `codes` that is one of `known` (distinct codes): its position and its index
    in known, in order; and how many were found in each segment of codes (first: where each
    begins, their end last). The known codes are looked up in a hash table of their low bits
    (codes are hashes already: search/termcodes.py)."""
    size = 8
    while size < 2 * len(known):
        size *= 2
    low = np.uint64(size - 1)
    slots = np.full(size, -1, dtype=np.int64)
    for j in range(len(known)):
        s = np.int64(known[j] & low)
        while slots[s] >= 0:
            s = (s + 1) & (size - 1)
        slots[s] = j
    positions = np.empty(len(codes), dtype=np.int64)
    index = np.empty(len(codes), dtype=np.int64)
    counts = np.zeros(len(first) - 1, dtype=np.int64)
    m, segment = 0, 0
    for i in range(len(codes)):
        code = codes[i]
        s = np.int64(code & low)
        while slots[s] >= 0:
            if known[slots[s]] == code:
                positions[m], index[m] = i, slots[s]
                m += 1
                while first[segment + 1] <= i:
                    segment += 1
                counts[segment] += 1
                break
            s = (s + 1) & (size - 1)
    return positions[:m], index[:m], counts


def term_sets(found, index, term_bits, lengths, sent_first, code_first):
    """The sets of question terms (their bits OR-ed) that the term features weigh, in one
    int64 array: each sentence's; each pair of adjacent sentences of one candidate's; each
    candidate's (its whole passage); each hit's window (its candidate's hits among the WINDOW
    terms that end at it). Also each hit's position among its candidate's terms, and where
    each candidate's hits begin (n + 1 bounds).

    found, index: found_at() of the candidates' chained terms, the question's codes known;
    term_bits: the bit of each of those codes (0: not a weighted term); lengths: each
    sentence's number of terms; sent_first, code_first: each candidate's first sentence and
    first term, the totals last (n + 1 each). A candidate's sentences hold all its terms.
    """
    hits = 0
    where = np.empty(len(found), dtype=np.int64)  # the hits' positions
    bits = np.empty(len(found), dtype=np.int64)  # the bit of each
    for i in range(len(found)):
        if term_bits[index[i]]:
            where[hits], bits[hits] = found[i], term_bits[index[i]]
            hits += 1
    n = len(sent_first) - 1
    sentences = len(lengths)
    pairs = 0
    for c in range(n):
        pairs += max(0, sent_first[c + 1] - sent_first[c] - 1)
    whole, windows = sentences + pairs, sentences + pairs + n
    sets = np.zeros(windows + hits, dtype=np.int64)
    local = np.empty(hits, dtype=np.int64)
    hit_first = np.empty(n + 1, dtype=np.int64)
    hit_first[0] = 0
    s, end, c, start = 0, 0, 0, 0  # end: where sentence s ends; start: the first hit near enough
    if sentences:
        end = lengths[0]
    for i in range(hits):
        p, bit = where[i], bits[i]
        while end <= p:
            s += 1
            end += lengths[s]
        while code_first[c + 1] <= p:
            c += 1
            hit_first[c] = i
        sets[s] |= bit
        sets[whole + c] |= bit
        local[i] = p - code_first[c]
        while where[start] < p - (WINDOW - 1):
            start += 1
        window = 0
        for j in range(max(start, hit_first[c]), i + 1):
            window |= bits[j]
        sets[windows + i] = window
    while c < n:
        c += 1
        hit_first[c] = hits
    k = sentences
    for c in range(n):
        for s in range(sent_first[c], sent_first[c + 1] - 1):
            sets[k] = sets[s] | sets[s + 1]
            k += 1
    return sets, local, hit_first


def weigh(sets, whole, unit, total):
    """The weight of each set of term bits: the sum of its terms' integer weights (`whole`, by
    bit), times `unit`, over `total`: Question.weigh_sets()' fixed-point sums."""
    out = np.empty(len(sets))
    for i in range(len(sets)):
        held = 0
        for n in range(len(whole)):
            if (sets[i] >> n) & 1:
                held += whole[n]
        out[i] = float(held) * unit / total
    return out


def term_values(weights, lengths, sent_first, hit_first):
    """From the weights of term_sets()' sets, each candidate's best sentence weight, best pair
    of adjacent sentences, best density (a sentence's weight, times 8 / its terms when it has
    more than 8), whole-passage weight and best window (rows 0 to 4; 0 where there is none);
    and its sentences within 0.2 of its best, as numbers within the candidate, with their
    weights and where each candidate's begin (n + 1 bounds)."""
    n = len(sent_first) - 1
    sentences = len(lengths)
    windows = len(weights) - hit_first[n]
    whole = windows - n
    values = np.zeros((5, n))
    near = np.empty(sentences, dtype=np.int64)
    near_weights = np.empty(sentences)
    near_first = np.empty(n + 1, dtype=np.int64)
    k, m = sentences, 0  # the next pair's weight, the next near sentence
    for c in range(n):
        a, b = sent_first[c], sent_first[c + 1]
        best, dense, pair, window = 0.0, 0.0, 0.0, 0.0
        for s in range(a, b):
            w = weights[s]
            best = max(best, w)
            dense = max(dense, w * min(1.0, 8 / max(float(lengths[s]), 1.0)))
        for s in range(a, b - 1):
            pair = max(pair, weights[k])
            k += 1
        for i in range(hit_first[c], hit_first[c + 1]):
            window = max(window, weights[windows + i])
        values[0, c], values[1, c], values[2, c] = best, pair, dense
        values[3, c], values[4, c] = weights[whole + c], window
        near_first[c] = m
        for s in range(a, b):
            if weights[s] >= best - 0.2:
                near[m], near_weights[m] = s - a, weights[s]
                m += 1
    near_first[n] = m
    return values, near[:m], near_weights[:m], near_first


def bigram_counts(found, index, term_places, code_first, keys, terms):
    """For each candidate, how many of the question's bigrams it holds, each counted once: two
    terms adjacent in one candidate whose places (numbers among the bigrams' `terms` terms)
    make one of `keys` (sorted): place of the first * terms + place of the second.

    found, index: as for term_sets(); term_places: the place of each known code (-1: not a
    bigram's term)."""
    paired = 0
    where = np.empty(len(found), dtype=np.int64)  # the positions of the bigrams' terms
    places = np.empty(len(found), dtype=np.int64)  # the place of each
    for i in range(len(found)):
        if term_places[index[i]] >= 0:
            where[paired], places[paired] = found[i], term_places[index[i]]
            paired += 1
    n = len(code_first) - 1
    held = np.zeros((n, len(keys)), dtype=np.bool_)
    counts = np.zeros(n, dtype=np.int64)
    c = 0
    for j in range(paired - 1):
        p = where[j]
        while code_first[c + 1] <= p:
            c += 1
        if where[j + 1] != p + 1 or p + 1 >= code_first[c + 1]:
            continue
        key = places[j] * terms + places[j + 1]
        lo, hi = 0, len(keys)
        while lo < hi:
            mid = (lo + hi) // 2
            if keys[mid] < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(keys) and keys[lo] == key and not held[c, lo]:
            held[c, lo] = True
            counts[c] += 1
    return counts


def add_at(sums, ids, values):
    """sums[ids[j]] += values[j] for each j, in order: np.add.at() without its fixed cost."""
    for j in range(len(ids)):
        sums[ids[j]] += values[j]


def top_k(scores, k):
    """The docnums of the k best positive scores, best first (score descending, then docnum
    ascending), and their scores: one pass over the scores, keeping the k best so far in a
    heap whose root is the worst of them."""
    heap_scores = np.empty(k)
    heap_docs = np.empty(k, dtype=np.int64)
    size, floor = 0, 0.0  # what a score must beat: the root's once the heap is full
    for d in range(len(scores)):
        s = scores[d]
        if s <= floor:  # docnums go up, so a tie with the root loses to it
            continue
        i = size
        if size < k:  # sift the new entry up from the end
            size += 1
            while i > 0:
                up = (i - 1) // 2
                if heap_scores[up] < s or (heap_scores[up] == s and heap_docs[up] > d):
                    break
                heap_scores[i], heap_docs[i] = heap_scores[up], heap_docs[up]
                i = up
        else:  # replace the root and sift down
            i = 0
            while 2 * i + 1 < size:
                child = 2 * i + 1
                if child + 1 < size and (heap_scores[child + 1] < heap_scores[child] or (
                        heap_scores[child + 1] == heap_scores[child] and heap_docs[child + 1] > heap_docs[child])):
                    child += 1
                if heap_scores[child] > s or (heap_scores[child] == s and heap_docs[child] < d):
                    break
                heap_scores[i], heap_docs[i] = heap_scores[child], heap_docs[child]
                i = child
        heap_scores[i], heap_docs[i] = s, d
        if size == k:
            floor = heap_scores[0]
    for i in range(1, size):  # best first, by insertion: k is small
        s, d = heap_scores[i], heap_docs[i]
        j = i
        while j > 0 and (heap_scores[j - 1] < s or (heap_scores[j - 1] == s and heap_docs[j - 1] > d)):
            heap_scores[j], heap_docs[j] = heap_scores[j - 1], heap_docs[j - 1]
            j -= 1
        heap_scores[j], heap_docs[j] = s, d
    return heap_docs[:size], heap_scores[:size]


KERNELS = ("found_at", "term_sets", "weigh", "term_values", "bigram_counts", "add_at", "top_k")
_I64 = "int64[::1]"
_SIGNATURES = {  # the only argument types they are called with: any other is a TypeError once compiled
    "found_at": f"(uint64[::1], {_I64}, uint64[::1])",
    "term_sets": f"({_I64}, {_I64}, {_I64}, {_I64}, {_I64}, {_I64})",
    "weigh": f"({_I64}, {_I64}, float64, float64)",
    "term_values": f"(float64[::1], {_I64}, {_I64}, {_I64})",
    "bigram_counts": f"({_I64}, {_I64}, {_I64}, {_I64}, {_I64}, int64)",
    "add_at": "(float64[::1], int32[::1], float64[::1])",
    "top_k": "(float64[::1], int64)",
}
PLAIN = {name: globals()[name] for name in KERNELS}


@cache
def machine_code() -> dict:
    """Each kernel compiled by numba (from its cache on disk when it compiled them before)."""
    import numba
    return {name: numba.njit(_SIGNATURES[name], cache=True, nogil=True)(PLAIN[name]) for name in KERNELS}


def compiled() -> bool:
    """Whether the kernels run compiled."""
    return term_sets is not PLAIN["term_sets"]


def compile() -> bool:
    """Swap in machine_code() for the kernels, unless the compile setting is off; whether they
    now run compiled. A numba that is missing or fails logs why and leaves them in Python."""
    if compiled():
        return True
    if settings.get("compile").strip().lower() == "off":
        return False
    try:
        made = machine_code()
    except Exception as exc:  # not installed, or no code for this machine: Python still answers
        log.warning("the query path's loops run in Python: numba failed (%s: %s)", type(exc).__name__, exc)
        return False
    globals().update(made)
    return True
