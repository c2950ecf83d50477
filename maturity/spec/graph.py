"""Cycles in the references of a declarative file (conditions between items, prerequisites
between actions): found once, each reported once, in a stable order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

__all__ = ["cycles"]


def cycles(
    edges: Mapping[str, Sequence[str]], order: Iterable[str] | None = None
) -> Iterator[list[str]]:
    """Every cycle of the directed graph ``edges`` (node → the nodes it refers to), as the
    list of its nodes with the first repeated at the end (``["a", "b", "a"]``).

    A depth-first search from each node of ``order`` (default: ``edges``' order), iterative
    (no recursion limit); each cycle is yielded once, whichever node it was reached from.
    References to nodes that ``edges`` does not have are ignored.
    """
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    reported: set[frozenset[str]] = set()
    for start in order if order is not None else edges:
        if state.get(start) or start not in edges:
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(edges[start]))]
        trail = [start]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                trail.pop()
                continue
            if nxt not in edges:
                continue
            if state.get(nxt) == 1:
                cycle = [*trail[trail.index(nxt) :], nxt]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    yield cycle
            elif not state.get(nxt):
                state[nxt] = 1
                stack.append((nxt, iter(edges[nxt])))
                trail.append(nxt)
