"""Drawing and printing within bounds: `dot` limited in size, time, pixels and number, stopped when
nobody waits; the org chart's `depth`; PDFs printed by one browser that fetches nothing.

The same bounds against a real server (many clients, clients that go away) are in
tests/hardening/test_bounded_work.py.
"""

from __future__ import annotations

import asyncio
import gzip
import http.server
import os
import struct
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import date
from pathlib import Path

import pydot
import pytest

from orgchange.application.documents import diagrams
from orgchange.application.documents.charts import OrgChart
from orgchange.application.documents.graphviz import (
    DiagramBusy,
    DiagramCancelled,
    DiagramFailed,
    DiagramTimedOut,
    DiagramTooLarge,
    Gate,
    RenderLimits,
    run_dot,
)
from orgchange.application.documents.pdf import Printer, PrinterBusy, html_to_pdf
from orgchange.application.documents.review import ReviewPack
from tests.browser import chromium_path
from tests.processes import programs_under

DAY = date(2017, 3, 1)


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def levels_below(chart: OrgChart, key: str) -> int:
    """How many levels `key` stands below the chart's top units."""
    by_key = {u.id: u for u in chart.units}
    level, unit = 0, by_key[key]
    while (unit.parent_id or unit.owner_id) in by_key:
        unit = by_key[unit.parent_id or unit.owner_id]
        level += 1
    return level


def slow_graph() -> bytes:
    """DOT that keeps `dot` busy for many seconds: a thousand nodes, densely and crookedly linked."""
    lines = ["digraph { splines=ortho; node [shape=box];"]
    lines += [f"n{a} -> n{(a * 7 + 13) % 1000}; n{a} -> n{(a * 31 + 5) % 1000};" for a in range(1000)]
    lines.append("}")
    return "\n".join(lines).encode()


def dots_of_this_process() -> list:
    return programs_under(os.getpid(), "dot")


# --- depth ---------------------------------------------------------------------------------------


def test_depth_keeps_that_many_levels_below_the_root(demo_app) -> None:
    whole = OrgChart.load(demo_app.read_model, DAY, root="kf")

    for depth in range(4):
        part = OrgChart.load(demo_app.read_model, DAY, root="kf", depth=depth)
        expected = {u.id for u in whole.units if levels_below(whole, u.id) <= depth}
        assert {u.id for u in part.units} == expected
    assert [u.id for u in OrgChart.load(demo_app.read_model, DAY, root="kf", depth=0).units] == ["kf"]
    assert len(OrgChart.load(demo_app.read_model, DAY, root="kf", depth=1).units) > 1


def test_depth_without_a_root_counts_from_the_top_units(demo_app) -> None:
    whole = OrgChart.load(demo_app.read_model, DAY)

    tops = OrgChart.load(demo_app.read_model, DAY, depth=0)

    assert {u.id for u in tops.units} == {u.id for u in whole.below()[None]}
    assert len(OrgChart.load(demo_app.read_model, DAY, depth=50).units) == len(whole.units)


def test_the_command_line_draws_a_part_by_root_and_depth(demo_app, database_url, tmp_path) -> None:
    env = {**os.environ, "ORGCHANGE_DATABASE_URL": database_url}

    def chart(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "orgchange", "chart", "--as-of", "2017-03-01", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)

    text = chart("--root", "ks", "--depth", "1")
    png = chart("--root", "ks", "--depth", "1", "--format", "png", "-o", str(tmp_path / "ks.png"))
    negative = chart("--depth", "-1")

    assert text.returncode == 0, text.stderr
    lines = [line for line in text.stdout.splitlines()[1:] if "[" in line]
    assert lines[0].startswith("└─ Kommunstyrelsen [board] ks")
    assert len(lines) > 1
    assert all(line.startswith(("   ├─", "   └─")) for line in lines[1:])  # one level below ks
    assert png.returncode == 0, png.stderr
    assert png_size((tmp_path / "ks.png").read_bytes())[0] > 0
    assert negative.returncode == 2 and "--depth" in negative.stderr


def test_the_command_line_refuses_a_chart_over_the_limit_saying_how_to_ask_for_a_part(
    demo_app, database_url
) -> None:
    env = {**os.environ, "ORGCHANGE_DATABASE_URL": database_url, "ORGCHANGE_DIAGRAM_MAX_NODES": "10"}
    command = [sys.executable, "-m", "orgchange", "chart", "--as-of", "2017-03-01", "--format", "png"]

    refused = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    as_text = subprocess.run([*command[:-2], "--format", "text"], capture_output=True, text=True, env=env)

    assert refused.returncode == 1
    assert "37 units, more than the 10 one diagram may show" in refused.stderr
    assert "--root KEY --depth N" in refused.stderr and "root=kf&depth=2" in refused.stderr
    assert refused.stdout == ""
    assert as_text.returncode == 0  # text is not drawn: no limit


# --- size, pixels, time, number --------------------------------------------------------------------


def test_a_chart_over_the_node_limit_is_refused_before_dot_starts(demo_app) -> None:
    chart = OrgChart.load(demo_app.read_model, DAY)
    limits = RenderLimits(max_nodes=10)

    with pytest.raises(DiagramTooLarge) as refused:
        chart.diagram("svg", limits=limits)

    assert (refused.value.size, refused.value.limit) == (37, 10)
    assert "root=" in str(refused.value) and "depth=" in str(refused.value)
    assert chart.diagram("dot", limits=limits).startswith(b"digraph")  # text, not drawn: no limit
    assert OrgChart.load(demo_app.read_model, DAY, root="ks", depth=0).diagram("svg", limits=limits)


def test_any_diagram_over_the_limit_is_refused_with_the_callers_hint() -> None:
    graph = pydot.Dot("g", graph_type="digraph")
    for n in range(12):
        graph.add_node(pydot.Node(f"n{n}"))

    with pytest.raises(DiagramTooLarge, match="ask for one board"):
        diagrams.render(graph, "png", limits=RenderLimits(max_nodes=11), hint="ask for one board")
    assert diagrams.render(graph, "png", limits=RenderLimits(max_nodes=12))[:4] == b"\x89PNG"


def test_a_png_is_never_larger_than_the_pixel_limit(demo_app) -> None:
    chart = OrgChart.load(demo_app.read_model, DAY)

    unbounded = png_size(chart.diagram("png"))
    bounded = png_size(chart.diagram("png", limits=RenderLimits(max_png_pixels=400)))

    assert max(unbounded) > 400
    assert max(bounded) <= 400


def test_a_diagram_graphviz_gives_up_on_is_a_plain_error_naming_the_way_to_a_part() -> None:
    # Graphviz refuses what it cannot read, as it gives up on some large graphs (an exit code,
    # a line on its standard error): the service says so, never a 500.
    with pytest.raises(
        DiagramFailed, match="Graphviz could not draw the diagram .*syntax error.*; ask for a part"
    ):
        run_dot(b"digraph { a -> }", "svg", RenderLimits(), hint="ask for a part")


# The org chart of a generated 2,000-unit organisation, as the service writes it: Graphviz's
# orthogonal routing aborts on it ("Trapezoid-table overflow").
ORTHO_GIVES_UP = Path(__file__).parent / "data" / "ortho-gives-up.dot.gz"


def test_a_chart_graphvizs_orthogonal_routing_gives_up_on_is_drawn_with_curved_lines() -> None:
    text = gzip.decompress(ORTHO_GIVES_UP.read_bytes())
    curved = text.replace(b"splines=ortho", b"splines=spline")
    limits = RenderLimits(max_nodes=5_000, timeout=120)

    with pytest.raises(DiagramFailed, match="trapezoid"):
        run_dot(text, "svg", limits)
    svg = run_dot(text, "svg", limits, fallback=curved)

    assert svg.count(b'class="node"') > 2_000


def test_dot_is_killed_at_the_time_limit() -> None:
    started = time.perf_counter()
    with pytest.raises(DiagramTimedOut, match="longer than 0.5 seconds"):
        run_dot(slow_graph(), "svg", RenderLimits(timeout=0.5))
    elapsed = time.perf_counter() - started

    assert elapsed < 5
    assert not dots_of_this_process()


def test_dot_is_killed_when_nobody_waits_any_more() -> None:
    cancelled = threading.Event()
    outcome: list[BaseException] = []

    def draw() -> None:
        try:
            run_dot(slow_graph(), "svg", RenderLimits(timeout=600), cancelled)
        except BaseException as error:
            outcome.append(error)

    worker = threading.Thread(target=draw)
    worker.start()
    deadline = time.monotonic() + 30
    while not dots_of_this_process() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert dots_of_this_process(), "dot never started"
    cancelled.set()
    worker.join(timeout=10)

    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], DiagramCancelled)
    assert not dots_of_this_process()


def test_the_gate_lets_so_many_run_so_many_wait_and_refuses_the_rest() -> None:
    gate = Gate(slots=1, max_waiting=1)
    entered = threading.Event()
    release = threading.Event()
    waited: list[str] = []

    def hold() -> None:
        with gate.slot(wait=5):
            entered.set()
            release.wait(10)

    def wait_for_a_turn() -> None:
        with gate.slot(wait=10):
            waited.append("got a turn")

    holder = threading.Thread(target=hold)
    holder.start()
    assert entered.wait(5)
    waiter = threading.Thread(target=wait_for_a_turn)
    waiter.start()
    while gate.waiting == 0:
        time.sleep(0.01)

    with pytest.raises(DiagramBusy), gate.slot(wait=10):  # one running, one waiting: no place left
        pass
    release.set()
    holder.join()
    waiter.join()

    assert waited == ["got a turn"]
    assert (gate.running, gate.waiting) == (0, 0)
    with pytest.raises(DiagramBusy), Gate(slots=0, max_waiting=1).slot(wait=0.2):  # a wait is bounded
        pass


def test_a_review_pack_with_charts_over_the_limit_says_so_and_is_still_whole(demo_app) -> None:
    pack = ReviewPack.for_meeting(demo_app, "ks", date(2017, 11, 13))

    page = pack.as_html(limits=RenderLimits(max_nodes=1))

    assert page.count("class='missing'") == 2
    assert "one diagram may show" in page
    assert "<svg" not in page
    assert page.count("<svg") < pack.as_html().count("<svg")


# --- PDF -------------------------------------------------------------------------------------------


class _Counting(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        type(self).seen.append(self.path)
        self.send_response(200)
        self.send_header("content-type", "text/css")
        self.end_headers()
        self.wfile.write(b"h1 { color: red }")

    def log_message(self, *_: object) -> None:
        pass


def test_a_printed_page_fetches_nothing(tmp_path: Path) -> None:
    chromium_path()
    _Counting.seen = []
    listener = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{listener.server_address[1]}"
    try:
        page = (
            f"<!doctype html><html><head><link rel='stylesheet' href='{base}/style.css'>"
            f"<script src='{base}/script.js'></script></head><body><h1>Granskning</h1>"
            f"<img src='{base}/image.png'><iframe src='{base}/frame.html'></iframe>"
            f"<div style=\"background: url('{base}/background.png')\">x</div></body></html>"
        )
        pdf = html_to_pdf(page, timeout=60)
        urllib.request.urlopen(f"{base}/control").read()  # the listener does answer
    finally:
        listener.shutdown()

    assert pdf.startswith(b"%PDF-")
    assert _Counting.seen == ["/control"]


def test_the_printer_keeps_to_its_turns_and_refuses_beyond_its_queue() -> None:
    chromium_path()
    page = "<!doctype html><html><body>" + "<p>Rad</p>" * 2000 + "</body></html>"

    async def three_at_once() -> list[object]:
        printer = Printer(max_concurrent=1, max_waiting=1, timeout=60)
        try:
            return await asyncio.gather(*(printer.print(page) for _ in range(3)), return_exceptions=True)
        finally:
            await printer.close()

    outcomes = asyncio.run(three_at_once())

    printed = [o for o in outcomes if isinstance(o, bytes)]
    refused = [o for o in outcomes if isinstance(o, PrinterBusy)]
    assert len(printed) == 2 and all(p.startswith(b"%PDF-") for p in printed)
    assert len(refused) == 1 and refused[0].retry_after > 0


def test_the_command_line_prints_a_review_pack_to_pdf(demo_app, database_url, tmp_path) -> None:
    chromium_path()
    env = {**os.environ, "ORGCHANGE_DATABASE_URL": database_url, "ORGCHANGE_USER": "registrator"}
    target = tmp_path / "pack.pdf"

    done = subprocess.run(
        [sys.executable, "-m", "orgchange", "review", "--board", "ks", "--meeting", "2017-11-13"]
        + ["--format", "pdf", "-o", str(target)],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )

    assert done.returncode == 0, done.stderr
    assert target.read_bytes().startswith(b"%PDF-")
    assert b"/MediaBox [0 0 594.95996 841.91998]" in target.read_bytes()  # A4
