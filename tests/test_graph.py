"""maturity.spec.graph.cycles against Kahn's topological sort, on random graphs."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from maturity.spec.graph import cycles

nodes = st.lists(st.sampled_from("abcdefg"), min_size=1, max_size=7, unique=True)


@st.composite
def graphs(draw: st.DrawFn) -> dict[str, list[str]]:
    names = draw(nodes)
    return {n: draw(st.lists(st.sampled_from([*names, "zz"]), max_size=4)) for n in names}


def acyclic(edges: dict[str, list[str]]) -> bool:
    """Kahn: the graph is acyclic iff every node can be removed once its references are."""
    refs = {n: {r for r in rs if r in edges} for n, rs in edges.items()}
    done: set[str] = set()
    while True:
        free = [n for n in refs if n not in done and refs[n] <= done]
        if not free:
            return len(done) == len(refs)
        done.update(free)


@given(graphs())
def test_cycles_are_found_exactly_when_there_are_some(edges: dict[str, list[str]]) -> None:
    found = list(cycles(edges))
    assert (not found) == acyclic(edges)
    for cycle in found:  # each is a real cycle: consecutive nodes are joined by an edge
        assert cycle[0] == cycle[-1]
        assert all(b in edges[a] for a, b in itertools.pairwise(cycle))
    assert len({frozenset(c) for c in found}) == len(found)  # each reported once


def test_a_self_reference_and_a_two_cycle() -> None:
    assert list(cycles({"a": ["a"]})) == [["a", "a"]]
    assert list(cycles({"a": ["b"], "b": ["a"], "c": ["a"]})) == [["a", "b", "a"]]
