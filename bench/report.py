"""Redraw docs/performance.md's results table and the charts in docs/images/ from
bench/results/*.json (the newest run of each population size).

    .venv/bin/python bench/report.py
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "performance.md"
IMAGES = ROOT / "docs" / "images"
START, END = "<!-- results:start -->", "<!-- results:end -->"

TARGETS = [
    ("search_p95_ms_full_dob", "Search p95, full date of birth (in-process, ms)", "<= 20"),
    ("search_p95_ms_year_only", "Search p95, year of birth only (in-process, ms)", "<= 100"),
    ("search_p95_ms_name_only", "Search p95, name only (in-process, ms)", ""),
    (
        "over_broad_p95_ms",
        "p95 of 'too many matches, add the date of birth' answers (ms)",
        "<= 200",
    ),
    ("searches_per_s", "Searches/s over HTTP, full date of birth (16 users)", ">= 300"),
    ("search_http_p95_ms", "Search p95 over HTTP at that load (ms)", "< 200"),
    ("search_http_failures", "Failed HTTP searches", "0"),
    ("searches_per_s_year_only", "Searches/s over HTTP, year only (8 users)", ">= 50"),
    ("recall_at_10", "Right child in the top 10 (all error kinds)", ">= 0.98"),
    ("top1_full_dob", "Right child first (full date of birth)", ">= 0.95"),
    ("naive_p95_ms", "Naive ORM icontains p95 (ms)", ""),
    ("speedup_vs_naive", "Speed-up against the naive search (mean)", ">= 100"),
    ("naive_recall_at_10", "Naive search: right child found", ""),
    ("record_p95_ms", "Record page p95, 40 involvements, with audit (ms)", "<= 30"),
    ("record_queries_typical", "Record page queries (typical child)", "constant"),
    ("record_queries_forty", "Record page queries (40 involvements)", "constant"),
    ("record_views_per_s", "Record views/s over HTTP (16 users)", ">= 500"),
    ("soak_seconds", "Soak: mixed load for (s)", "600"),
    ("soak_requests_per_s", "Soak: requests/s (searches and record views)", ">= 200"),
    ("soak_p95_ms", "Soak: p95 (ms)", ""),
    ("soak_failures", "Soak: failed requests", "0"),
    ("import_records_per_s", "Import with matching, a new source's feed (records/s)", ">= 3,000"),
    ("feed_rows", "... rows in that feed", ">= 1,000,000"),
    ("import_candidates_per_person", "... candidate children per person (blocking)", "flat in N"),
    ("import_repeat_records_per_s", "The same feed again, every id known (records/s)", ""),
    (
        "import_daily_records_per_s",
        "The next day's feed: 90 % of ids again, a fifth changed, 10 % new people (records/s)",
        "",
    ),
    ("matching_precision", "Matching precision (hostile feed)", ">= 0.999"),
    ("matching_recall", "Matching recall, links and reviews (hostile feed)", ">= 0.99"),
    (
        "matching_recall_ceiling",
        "... the most a matcher could reach on the same fields (ties split)",
        "",
    ),
    ("matching_review_rate", "Matching review rate (hostile feed)", "<= 0.05"),
    ("matching_duplicates_created", "Duplicates created for known people (hostile feed)", "0"),
    ("splink_precision", "Splink on the same feed: precision", "<= ours"),
    ("splink_recall", "Splink on the same feed: recall, links and reviews", "<= ours"),
    ("splink_records_per_s", "Splink on the same feed: records/s (train and predict)", "<= ours"),
    ("load_seconds", "Initial load of the population (s)", "<= 900 at 11M"),
    ("audit_event_p50_ms", "Audit event inside a request, p50 (ms)", "~1"),
    ("audit_verify_events_per_s", "Audit chain verification (events/s)", ">= 16,667"),
]


def newest_by_size() -> dict[int, dict]:
    """Per population size, the newest figure of each measure: a run of some sections only
    (``national_bench.py --sections``) overlays the figures it has on the older full run.
    The import benchmark's own files (``*-import-*.json``) are not national runs."""
    runs: dict[int, dict] = {}
    for path in sorted(RESULTS.glob("*.json")):  # by date, so newer runs overlay older ones
        if "-import-" in path.name:
            continue
        data = json.loads(path.read_text())
        run = runs.setdefault(data["children"], {"_files": []})
        run.update({key: value for key, value in data.items() if value is not None})
        run["_files"].append(path.name)
    for run in runs.values():
        run["_file"] = " + ".join(run["_files"])
    return dict(sorted(runs.items()))


def fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.4f}" if value < 1 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(runs: dict[int, dict]) -> str:
    sizes = list(runs)
    head = "| Measure | Target | " + " | ".join(f"{s:,} children" for s in sizes) + " |"
    rule = "|---|---|" + "---|" * len(sizes)
    lines = [head, rule]
    for key, label, target in TARGETS:
        cells = [fmt(runs[s].get(key)) for s in sizes]
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")
    files = ", ".join(f"`bench/results/{runs[s]['_file']}`" for s in sizes)
    lines.append("")
    lines.append(f"Source files: {files}.")
    for size in sizes:
        run = runs[size]
        lines.append("")
        lines.append(f"**Search latency by query shape at {size:,} children** (in-process, ms):")
        lines.append("")
        lines.append("| Shape | n | p50 | p95 | p99 | naive p95 | naive found it |")
        lines.append("|---|---|---|---|---|---|---|")
        naive = run.get("naive_latency", {})
        naive_recall = run.get("naive_recall_by_category", {})
        for shape, figures in run.get("search_latency", {}).items():
            lines.append(
                f"| {shape} | {figures['n']} | {figures['p50_ms']} | {figures['p95_ms']} | "
                f"{figures['p99_ms']} | {naive.get(shape, {}).get('p95_ms', '–')} | "
                f"{fmt(naive_recall.get(shape))} |"
            )
        lines.append("")
        lines.append("| Error kind | queries | in top 10 | first |")
        lines.append("|---|---|---|---|")
        for kind, figures in run.get("quality", {}).items():
            lines.append(
                f"| {kind} | {figures['n']} | {figures['recall_at_10']:.4f} | "
                f"{figures['top1']:.4f} |"
            )
    return "\n".join(lines)


def charts(runs: dict[int, dict]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    IMAGES.mkdir(parents=True, exist_ok=True)
    made = []
    sizes = list(runs)

    fig, ax = plt.subplots(figsize=(7, 4))
    for shape, style in [("exact", "-o"), ("typo", "-s"), ("year_only", "-^"), ("name_only", "-v")]:
        for q, alpha in [("p50_ms", 0.45), ("p95_ms", 1.0)]:
            values = [runs[s]["search_latency"].get(shape, {}).get(q) for s in sizes]
            ax.plot(sizes, values, style, alpha=alpha, label=f"{shape} {q[:3]}")
    ax.set_xscale("log")
    ax.set_xlabel("children in the index")
    ax.set_ylabel("search latency (ms)")
    ax.set_title("Search latency against population size")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(IMAGES / "search-latency-by-size.svg")
    plt.close(fig)
    made.append("search-latency-by-size.svg")

    largest = runs[sizes[-1]]
    # A run too short to get past every user's sign-in has no search row: leave it out.
    by_users = [r for r in largest.get("http_by_users") or [] if "search" in r]
    if by_users:
        fig, ax1 = plt.subplots(figsize=(7, 4))
        users = [r["users"] for r in by_users]
        ax1.plot(users, [r["search"]["p50_ms"] for r in by_users], "-o", label="p50")
        ax1.plot(users, [r["search"]["p95_ms"] for r in by_users], "-s", label="p95")
        ax1.plot(users, [r["search"]["p99_ms"] for r in by_users], "-^", label="p99")
        ax1.set_xlabel("concurrent users (no think time)")
        ax1.set_ylabel("search latency over HTTP (ms)")
        ax2 = ax1.twinx()
        ax2.bar(users, [r["search"]["per_s"] for r in by_users], alpha=0.15, width=1.5)
        ax2.set_ylabel("searches per second (bars)")
        ax1.legend(loc="upper left")
        ax1.set_title(f"Search under load at {sizes[-1]:,} children (gunicorn, loopback)")
        fig.tight_layout()
        fig.savefig(IMAGES / "search-latency-by-load.svg")
        plt.close(fig)
        made.append("search-latency-by-load.svg")

    naive = largest.get("naive_latency", {})
    if naive:
        shapes = [s for s in largest["search_latency"] if s in naive]
        fig, ax = plt.subplots(figsize=(7, 4))
        x = range(len(shapes))
        ax.bar(
            [i - 0.2 for i in x],
            [naive[s]["p95_ms"] for s in shapes],
            0.4,
            label="naive ORM icontains",
        )
        ax.bar(
            [i + 0.2 for i in x],
            [largest["search_latency"][s]["p95_ms"] for s in shapes],
            0.4,
            label="Child Index search",
        )
        ax.set_yscale("log")
        ax.set_xticks(list(x), shapes, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel("p95 latency (ms, log scale)")
        ax.set_title(f"Naive baseline beside ours at {sizes[-1]:,} children")
        ax.legend()
        fig.tight_layout()
        fig.savefig(IMAGES / "naive-vs-ours.svg")
        plt.close(fig)
        made.append("naive-vs-ours.svg")
    return made


def write_report() -> None:
    runs = newest_by_size()
    if not runs:
        return
    made = charts(runs)
    body = table(runs) + "\n\n" + "\n".join(f"![{m[:-4]}](images/{m})" for m in made)
    text = DOC.read_text() if DOC.exists() else f"# Performance\n\n{START}\n{END}\n"
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    DOC.write_text(f"{before}{START}\n{body}\n{END}{after}")
    print(f"wrote {DOC.relative_to(ROOT)} and {len(made)} charts")


if __name__ == "__main__":
    write_report()
