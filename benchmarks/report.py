"""Show scale results: one text table with ratios to ours, and a log-log plot of p50 latency."""
from __future__ import annotations

from pathlib import Path

COLUMNS = [("build_s", "build s", "{:.1f}"), ("passages_per_s", "pass/s", "{:.0f}"),
           ("p50_ms", "p50 ms", "{:.2f}"), ("p95_ms", "p95 ms", "{:.2f}"),
           ("p99_ms", "p99 ms", "{:.2f}"), ("cold_p50_ms", "cold p50", "{:.2f}"),
           ("cold_p95_ms", "cold p95", "{:.2f}"), ("build_rss_mb", "build RSS MB", "{:.0f}"),
           ("serve_rss_mb", "serve RSS MB", "{:.0f}"),
           ("serve_anon_mb", "anon MB", "{:.0f}"), ("serve_file_mb", "file MB", "{:.0f}"), ("index_mb", "index MB", "{:.1f}")]


def _cell(row: dict, key: str, fmt: str) -> str:
    value = row.get(key)
    return fmt.format(value) if isinstance(value, (int, float)) else "-"


def _grid(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows)


def _ratio(peer: dict, ours: dict, key: str) -> str:
    a, b = peer.get(key), ours.get(key)
    return f"{a / b:.2f}x" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else "-"


def table(results: list[dict], ours_name: str) -> str:
    """Measurements per size, then peer/ours ratios (above 1 means ours is faster or smaller)."""
    parts = []
    for size in sorted({r["size"] for r in results}):
        rows = sorted((r for r in results if r["size"] == size), key=lambda r: r["system"])
        grid = [["system", *(title for _, title, _ in COLUMNS)]]
        grid += [[r["system"], *(_cell(r, key, fmt) for key, _, fmt in COLUMNS)] for r in rows]
        parts.append(f"== {size:,} passages ==\n{_grid(grid)}")
        ours = next((r for r in rows if r["system"] == ours_name), None)
        if ours:
            ratios = [["peer / ours", "build", "p50", "p95", "serve RSS"]]
            ratios += [[r["system"], *(_ratio(r, ours, k) for k in
                                       ("build_s", "p50_ms", "p95_ms", "serve_rss_mb"))]
                       for r in rows if r is not ours]
            parts.append(_grid(ratios))
    return "\n\n".join(parts)


def plot_p50(results: list[dict], path: Path) -> Path | None:
    """Log-log p50 latency against corpus size, one line per system; None without matplotlib
    or without a p50 to plot."""
    if not any("p50_ms" in r for r in results):
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for system in sorted({r["system"] for r in results}):
        points = sorted((r["size"], r["p50_ms"]) for r in results
                        if r["system"] == system and "p50_ms" in r)
        if points:
            ax.plot(*zip(*points), marker="o", label=system)
    ax.set(xscale="log", yscale="log", xlabel="passages", ylabel="p50 latency (ms)",
           title="Query latency vs corpus size (single thread, warm)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path
