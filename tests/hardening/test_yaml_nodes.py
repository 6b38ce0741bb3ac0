"""A change file of many tiny YAML nodes is refused while it is scanned, before anything is built.

Two megabytes of `[a,a,a,…]` are a million nodes, and loading them took some 350 MB: the
size limit of a file does not bound the memory of its nodes. The budget is nodes per byte,
which a real change file (about one node in 15 bytes) stays far within.
"""

from __future__ import annotations

import time
import tracemalloc

import pytest
import yaml

from orgchange.application.changefile import (
    BASE_NODES,
    MAX_NODES,
    NODES_CODE,
    YAML_LOADERS,
    node_budget,
    parse_change_file,
)
from orgchange.application.errors import MalformedInput
from tests.support import SAMPLE

LOADERS = pytest.mark.parametrize("loader", list(YAML_LOADERS.values()), ids=list(YAML_LOADERS))


def tiny_nodes(count: int) -> str:
    return "format: orgchange/v1\nchanges: []\nx: [" + "a," * count + "a]\n"


@pytest.mark.parametrize("count", [1_000_000])
def test_two_megabytes_of_tiny_nodes_are_refused_with_little_memory_by_libyaml(count: int) -> None:
    bomb = tiny_nodes(count)
    assert len(bomb) > 2_000_000
    tracemalloc.start()
    try:
        with pytest.raises(MalformedInput) as refused:
            parse_change_file(bomb, "noder.yaml", yaml_loader=YAML_LOADERS["libyaml"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 40 * 2**20  # beyond the text itself; loaded, the nodes took 350 MB
    [problem] = refused.value.problems
    assert problem.startswith(
        f"noder.yaml: the file has more than {node_budget(bomb):,} YAML nodes".replace(",", " ")
    )
    assert NODES_CODE in problem


@LOADERS
def test_tiny_nodes_are_refused_by_either_loader_at_the_node_that_passes_the_budget(loader: type) -> None:
    bomb = tiny_nodes(100_000)
    started = time.process_time()

    with pytest.raises(MalformedInput) as refused:
        parse_change_file(bomb, "noder.yaml", yaml_loader=loader)

    [problem] = refused.value.problems
    assert "line 3" in problem and NODES_CODE in problem
    assert time.process_time() - started < 30


@LOADERS
def test_a_real_change_file_is_far_within_its_budget(loader: type) -> None:
    text = SAMPLE.read_text()
    nodes = sum(
        isinstance(e, yaml.ScalarEvent | yaml.SequenceStartEvent | yaml.MappingStartEvent)
        for e in yaml.parse(text, Loader=loader)
    )

    assert nodes < (node_budget(text) - BASE_NODES) / 1.5
    assert parse_change_file(text, "sample.yaml", yaml_loader=loader).changes


def test_no_file_however_large_has_a_budget_of_more_than_the_fixed_cap() -> None:
    """2.4 million tiny nodes in 19 MB took a gigabyte to load; the budget per byte alone let them in."""
    assert node_budget("x" * 19_000_000) == MAX_NODES
    assert node_budget("x" * 80_000) == BASE_NODES + 10_000


@LOADERS
def test_a_file_of_tiny_nodes_over_the_fixed_cap_is_refused_before_it_is_built(loader: type) -> None:
    items = ",".join(["a"] * (MAX_NODES + 10))
    padding = "p" * 2_600_000  # one node of many bytes: the budget per byte grows past the cap
    text = f"format: orgchange/v1\nchanges: []\npad: {padding}\nx: [{items}]\n"
    assert BASE_NODES + len(text) // 8 > MAX_NODES  # the budget per byte alone would let it in

    with pytest.raises(MalformedInput) as refused:
        parse_change_file(text, "små.yaml", yaml_loader=loader)

    [problem] = refused.value.problems
    assert NODES_CODE in problem
