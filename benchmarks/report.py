"""The benchmark's results as Markdown tables, and each target met or missed (and by how much)."""

from __future__ import annotations

from typing import Any

TARGET_SIZE = "target"  # 10,000 units, 200,000 changes
SMALL_SIZE = "small"  # 1,000 units, 10,000 changes
LARGE_SIZE = "large"  # 20,000 units, 500,000 changes


def write_p50(run: dict[str, Any]) -> float:
    """The p50 of a one-change write: the larger of the long- and the short-history units'."""
    rec = run["recording"]
    return max(rec["long_history"]["p50_ms"], rec["short_history"]["p50_ms"])


QUERY_NAMES = {
    "organisation_new_day": "organisation(asOf), whole register, a day not asked before",
    "organisation_asked_before": "organisation(asOf), whole register, the same day asked again",
    "unit": "unit(id, asOf)",
    "unitHistory": "unitHistory(id)",
    "changes_page": "changes, a page of 100",
    "diff": "diff(from, to), a year apart",
    "delegations": "delegations(asOf, board)",
}


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def check(what: str, database: str, value: float, limit: float, unit: str, at_most: bool) -> None:
        met = value <= limit if at_most else value >= limit
        miss = (value / limit if at_most else limit / value) if not met and value and limit else None
        found.append(
            {
                "target": what,
                "database": database,
                "value": value,
                "limit": limit,
                "unit": unit,
                "met": met,
                "missed_by": None if met else f"{miss:.2f}×",
            }
        )

    for run in results["runs"]:
        if run["size"] != TARGET_SIZE:
            continue
        db = run["database"]
        check("import ≥ 5,000 changes/s", db, run["import"]["changes_per_second"], 5000, "changes/s", False)
        check("rebuild ≥ 20,000 events/s", db, run["rebuild"]["events_per_second"], 20000, "events/s", False)
        new, before = run["organisation_new_day"], run["organisation_asked_before"]
        check("organisation, a new day: p50 ≤ 200 ms", db, new["p50_ms"], 200, "ms", True)
        check("organisation, asked before: p50 ≤ 2 × raw SQL", db, before["ratio_to_raw"], 2, "× raw", True)
        check("unit: p50 ≤ 5 ms", db, run["unit"]["p50_ms"], 5, "ms", True)
        for asked in run.get("page", {}).values():
            if asked["unit_page"] and "unit" in asked["fields"]:
                what = (
                    "the unit page's query (unit with parent, children, posts; history; changes): p50 ≤ 10 ms"
                )
                check(what, db, asked["p50_ms"], 10, "ms", True)
        rec = run["recording"]
        ratio = round(rec["long_history"]["p50_ms"] / rec["short_history"]["p50_ms"], 2)
        check("recording: a long history costs as a short one (p50 ratio ≤ 1.5)", db, ratio, 1.5, "×", True)
        check("one-change write over HTTP: p50 ≤ 25 ms", db, write_p50(run), 25, "ms", True)
        smaller = next((r for r in results["runs"] if r["database"] == db and r["size"] == SMALL_SIZE), None)
        if smaller is not None:
            ratio = round(write_p50(run) / write_p50(smaller), 2)
            check("one-change write: p50 ≤ 1.5 × the same at 10,000 changes", db, ratio, 1.5, "×", True)
        check("serving process peak RSS ≤ 600 MiB", db, run["server_peak_memory_mib"], 600, "MiB", True)
    for run in results["runs"]:
        if run["size"] == LARGE_SIZE:
            first = run["recording"]["first_write_after_start_ms"]
            check(
                "first write after the server starts, 500,000 changes: ≤ 1 s",
                run["database"],
                first,
                1000,
                "ms",
                True,
            )
    for history in results["history"]:
        check(
            "as-of cost independent of history (10× history: p50 ratio ≤ 1.5)",
            history["database"],
            history["ratio_of_p50"],
            1.5,
            "×",
            True,
        )
    return found


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Measured {m['date']} on {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, "
        f"Python {m['python']}, {m['system']}" + (f", at commit {m['commit']}." if m.get("commit") else "."),
        "",
        "| database | units / changes | import changes/s (× raw append) | import peak MiB "
        "| rebuild events/s (× raw read) | server peak MiB |",
        "|---|---|---|---|---|---|",
    ]
    for run in results["runs"]:
        i, r = run["import"], run["rebuild"]
        lines.append(
            f"| {run['database']} | {run['units']:,} / {run['changes']:,} "
            f"| {i['changes_per_second']:,} ({i['ratio_to_raw_append']}×) | {i['peak_memory_mib']} "
            f"| {r['events_per_second']:,} ({r['ratio_to_raw_read']}×) | {run['server_peak_memory_mib']} |"
        )
    lines += [
        "",
        "Latency over HTTP, p50 / p95 in ms, and the p50 of the driver's raw fetch of the same rows:",
        "",
        "| database | units / changes | query | p50 | p95 | raw p50 | × raw |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in results["runs"]:
        for key, name in QUERY_NAMES.items():
            q = run[key]
            lines.append(
                f"| {run['database']} | {run['units']:,} / {run['changes']:,} | {name} "
                f"| {q['p50_ms']} | {q['p95_ms']} | {q['raw_p50_ms']} | {q['ratio_to_raw']} |"
            )
    lines += [
        "",
        "| database | units / changes | office org chart SVG ms | whole register DOT ms "
        "| board delegations SVG ms | first write after start ms "
        "| record, long / short history p50 (p95) ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in results["runs"]:
        d, rec = run["diagrams"], run["recording"]
        lines.append(
            f"| {run['database']} | {run['units']:,} / {run['changes']:,} | {d['orgchart_office_svg_ms']} "
            f"| {d['orgchart_whole_register_dot_ms']} | {d['delegations_board_svg_ms']} "
            f"| {rec['first_write_after_start_ms']} "
            f"| {rec['long_history']['p50_ms']} ({rec['long_history']['p95_ms']}; "
            f"{rec['long_history_versions']} versions) / "
            f"{rec['short_history']['p50_ms']} ({rec['short_history']['p95_ms']}; "
            f"{rec['short_history_versions']}) |"
        )
    if any(run.get("page") for run in results["runs"]):
        lines += [
            "",
            "The web page's own queries (read from orgchange/web/*.js by benchmarks/page_queries.py), "
            "over HTTP as a signed-in registrar, p50 / p95 in ms:",
            "",
            "| database | units / changes | where | asks for | when | p50 | p95 |",
            "|---|---|---|---|---|---|---|",
        ]
        for run in results["runs"]:
            for asked in run.get("page", {}).values():
                lines.append(
                    f"| {run['database']} | {run['units']:,} / {run['changes']:,} | {asked['where']} "
                    f"| {', '.join(asked['fields']) or 'unit × 25'} | {asked['what']} "
                    f"| {asked['p50_ms']} | {asked['p95_ms']} |"
                )
    if results["history"]:
        lines += [
            "",
            "The same organisation with ten times the history (organisation(asOf), days not asked before):",
            "",
            "| database | changes | units per answer | p50 ms | raw p50 ms |",
            "|---|---|---|---|---|",
        ]
        for history in results["history"]:
            for run in history["runs"]:
                lines.append(
                    f"| {history['database']} | {run['changes']:,} | {run['units_per_answer']:,} "
                    f"| {run['p50_ms']} | {run['raw_p50_ms']} |"
                )
    for load in results["load"]:
        lines += [
            "",
            f"Load from a second process, {load['database']}, {load['workers']} workers "
            f"({load['size']} register; unit 70 %, change-log page 20 %, delegations 10 %):",
            "",
            "| clients | requests/s | p50 ms | p99 ms | errors |",
            "|---|---|---|---|---|",
        ]
        for run in load["runs"]:
            lines.append(
                f"| {run['clients']} | {run['requests_per_second']} | {run['p50_ms']} | {run['p99_ms']} "
                f"| {run['errors']} |"
            )
    if results.get("targets"):
        lines += ["", "| target | database | measured | met |", "|---|---|---|---|"]
        for t in results["targets"]:
            verdict = "yes" if t["met"] else f"no (missed by {t['missed_by']})"
            lines.append(f"| {t['target']} | {t['database']} | {t['value']} {t['unit']} | {verdict} |")
    return "\n".join(lines)


START = "<!-- benchmark results (python -m benchmarks.report RESULTS.json --readme README.md) -->"
END = "<!-- end of benchmark results -->"


def main(argv: list[str] | None = None) -> None:
    """Print a results file as tables, or put them into the README between the markers."""
    import argparse
    import json
    from pathlib import Path

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("results", type=Path)
    parser.add_argument("--readme", type=Path, help="replace the tables between the markers in this file")
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text())
    results["targets"] = targets(results)  # as this version of the report judges them
    tables = markdown(results)
    if args.readme is None:
        print(tables)
        return
    text = args.readme.read_text()
    before, _, rest = text.partition(START)
    _, found, after = rest.partition(END)
    if not found:
        raise SystemExit(f"{args.readme}: no '{START}' … '{END}' markers")
    source = f"From `{args.results.as_posix()}`:"
    args.readme.write_text(f"{before}{START}\n{source}\n\n{tables}\n{END}{after}")


if __name__ == "__main__":
    main()
