"""Successive releases: what a benchmark or an aggregate table published, so that the next run
cannot be differenced against it.

Two runs before and after one new peer joins a group would otherwise give the newcomer's score
(``n₂·mean₂ − n₁·mean₁``), rounding or not. A :class:`Release` records, for the publisher
only (it holds no score, but it is not for publication), which companies each published group
or cell rested on, node by node; passed back as ``since=`` to
:func:`~maturity.benchmarking.benchmark` or :func:`~maturity.benchmarking.aggregate_table`, it
enforces the rule on membership changes (``k`` = ``release_k``, by default ``min_group``):

- **benchmark** (per peer group and node): newcomers wait. While fewer than ``k`` companies
  have joined a group since it was last published, they are left out of it, and the group
  shows what it showed before; from ``k`` on, they all enter at once. A group that lost 1 to
  ``k − 1`` of its members (a company whose score changed counts as leaving and joining) is
  withheld (NaN) until the losses reach ``k``; its last published membership is carried over.
- **aggregate table** (per cell and node): a cell whose membership changed by 1 to ``k − 1``
  companies (joined plus left) is suppressed, and the table of changes between the two
  releases (each cell's total now minus its total then) is audited by linear programming like
  the table itself, so that no combination of cells of the two releases isolates fewer than
  ``k`` changes.

Groups or cells published in an earlier release and absent from this run are carried over
unchanged, so a release always describes the last published state of everything.

Companies are matched across releases by a *fingerprint*: a keyed BLAKE2b hash (the salt is
stored in the release and kept from one release to the next) of the company id and all its
node scores.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from maturity.benchmarking.common import BenchmarkError, FloatArray
from maturity.numbers import shortest

__all__ = ["Release"]

_FORMAT = "maturity/release@1"


@dataclass(frozen=True)
class Release:
    """What one benchmark run or aggregate table published (see the module docstring).

    ``peers`` maps each fingerprint to the nodes where that company had a score; ``groups``
    maps each published group (benchmark: its filters as text, ``sector=28;size_class=*;…``)
    or cell (table) to ``members`` (fingerprints), ``nodes`` (where its membership was the
    members with a score there) and ``override`` (node → fingerprints, where it was another);
    ``totals`` (tables only) maps node → published cell → its exact total score, and
    ``leaves`` each company to its finest cell at the table's ``levels``. :meth:`membership`
    reads them back.
    """

    kind: str  # "benchmark" or "aggregate"
    salt: str
    k: int
    by: tuple[str, ...]
    nodes: tuple[str, ...]
    peers: Mapping[str, tuple[str, ...]]
    groups: Mapping[str, Mapping[str, Any]]
    totals: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    leaves: Mapping[str, str] = field(default_factory=dict)
    label: str | None = None
    levels: Mapping[str, int] = field(default_factory=dict)

    def membership(self, key: str, node: str) -> frozenset[str] | None:
        """The fingerprints group or cell ``key`` rested on at ``node`` (None: not published)."""
        entry = self.groups.get(key)
        if entry is None:
            return None
        override = entry.get("override") or {}
        if node in override:
            return frozenset(override[node])
        if node not in entry.get("nodes", ()):
            return None
        return frozenset(fp for fp in entry["members"] if node in self.peers.get(fp, ()))

    def to_json(self, path: str | Path | None = None, *, force: bool = False) -> str:
        """The release as JSON (``maturity/release@1``); written atomically to ``path``."""
        doc = {
            "format": _FORMAT,
            "kind": self.kind,
            "label": self.label,
            "salt": self.salt,
            "k": self.k,
            "by": list(self.by),
            "levels": dict(self.levels),
            "nodes": list(self.nodes),
            "peers": {fp: list(ns) for fp, ns in sorted(self.peers.items())},
            "groups": {key: _entry_doc(v) for key, v in sorted(self.groups.items())},
            "totals": {n: dict(sorted(t.items())) for n, t in self.totals.items()},
            "leaves": dict(sorted(self.leaves.items())),
        }
        text = json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"
        if path is not None:
            from maturity.io import write_text

            write_text(path, text, force=force)
        return text

    @classmethod
    def from_json(cls, text: str, *, name: str = "release") -> Release:
        """A release from the text written by :meth:`to_json`.

        Raises:
            BenchmarkError: not a release, or a malformed one (naming ``name``).

        """
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise BenchmarkError(f"{name}: not a release file: {exc}") from None
        if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
            raise BenchmarkError(f"{name}: not a release file (expected format {_FORMAT})")
        try:
            kind = str(doc["kind"])
            if kind not in ("benchmark", "aggregate"):
                raise ValueError(f"unknown kind {kind!r}")
            return cls(
                kind=kind,
                salt=str(doc["salt"]),
                k=int(doc["k"]),
                by=tuple(map(str, doc["by"])),
                nodes=tuple(map(str, doc["nodes"])),
                peers={str(fp): tuple(map(str, ns)) for fp, ns in doc["peers"].items()},
                groups={str(key): _entry_read(v) for key, v in doc["groups"].items()},
                totals={
                    str(n): {str(c): float(t) for c, t in cells.items()}
                    for n, cells in (doc.get("totals") or {}).items()
                },
                label=doc.get("label"),
                levels={str(f): int(d) for f, d in (doc.get("levels") or {}).items()},
                leaves={str(fp): str(c) for fp, c in (doc.get("leaves") or {}).items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BenchmarkError(f"{name}: malformed release file ({exc})") from None


def _entry_doc(v: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"members": sorted(v["members"]), "nodes": list(v.get("nodes", ()))}
    if v.get("override"):
        out["override"] = {n: sorted(fps) for n, fps in v["override"].items()}
    return out


def _entry_read(v: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "members": [str(x) for x in v["members"]],
        "nodes": [str(x) for x in v.get("nodes", ())],
    }
    if v.get("override"):
        out["override"] = {str(n): [str(x) for x in fps] for n, fps in v["override"].items()}
    return out


def new_salt() -> str:
    """A fresh random salt for fingerprints."""
    return secrets.token_hex(16)


def fingerprints(salt: str, ids: Sequence[str], score: FloatArray) -> list[str]:
    """One fingerprint per row: a keyed hash of the id and every score of the row."""
    key = salt.encode()[:64]
    out = []
    for cid, row in zip(ids, np.asarray(score).tolist(), strict=True):
        h = hashlib.blake2b(digest_size=12, key=key)
        h.update(str(cid).encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
        h.update(",".join("nan" if math.isnan(v) else shortest(v) for v in row).encode())
        out.append(h.hexdigest())
    return out


def check_since(since: Any, kind: str, by: Sequence[str]) -> Release:
    """``since`` checked against the run it is applied to."""
    if not isinstance(since, Release):
        raise BenchmarkError(f"'since' must be a Release, not {type(since).__name__}")
    if since.kind != kind:
        raise BenchmarkError(f"'since' is the release of a {since.kind}, not of a {kind}")
    if tuple(since.by) != tuple(by):
        raise BenchmarkError(
            f"'since' grouped by {', '.join(since.by) or 'nothing'}, this run by "
            f"{', '.join(by) or 'nothing'}"
        )
    return since


def check_k(k: Any, default: int) -> int:
    """The release threshold: ``default`` (``min_group``) unless given, an integer >= 1."""
    if k is None:
        return default
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise BenchmarkError(f"release_k must be an integer >= 1, not {k!r}")
    return k


def present_nodes(score: FloatArray, nodes: Sequence[str]) -> list[tuple[str, ...]]:
    """Per row: the nodes where it has a score."""
    have = ~np.isnan(np.asarray(score, dtype=np.float64))
    return [tuple(n for n, h in zip(nodes, row, strict=True) if h) for row in have.tolist()]


@dataclass
class Decision:
    """The change rule's decision for one group or cell at one node."""

    added: int
    removed: int
    was_published: bool

    def action(self, k: int) -> str:
        """``publish`` (all), ``defer`` (old members only), ``withhold`` or ``suppress``."""
        if not self.was_published or (self.added == 0 and self.removed == 0):
            return "publish"
        if 0 < self.removed < k:
            return "withhold"
        if 0 < self.added < k:
            return "defer"
        return "publish"


def decide(old: frozenset[str] | None, now: Iterable[str]) -> tuple[Decision, set[str]]:
    """Compare a group's membership now with the one last published; returns the decision
    and the newcomers.
    """
    cur = set(now)
    if old is None:
        return Decision(len(cur), 0, False), cur
    new = cur - old
    return Decision(len(new), len(old - cur), True), new


def assemble(
    kind: str,
    salt: str,
    k: int,
    by: Sequence[str],
    nodes: Sequence[str],
    peers: Mapping[str, tuple[str, ...]],
    published: Mapping[str, Mapping[str, frozenset[str]]],
    since: Release | None,
    *,
    totals: Mapping[str, Mapping[str, float]] | None = None,
    label: str | None = None,
    levels: Mapping[str, int] | None = None,
) -> Release:
    """A release from what was published now (``published``: key → node → membership) and
    everything of ``since`` that this run did not publish again (carried over).
    """
    groups: dict[str, dict[str, Any]] = {}
    all_peers: dict[str, tuple[str, ...]] = {}
    for key, per_node in published.items():
        members = sorted(set().union(*per_node.values())) if per_node else []
        derived_nodes: list[str] = []
        override: dict[str, list[str]] = {}
        for node, fps in per_node.items():
            derived = {fp for fp in members if node in peers.get(fp, ())}
            if derived == set(fps):
                derived_nodes.append(node)
            else:
                override[node] = sorted(fps)
        groups[key] = {"members": members, "nodes": derived_nodes, "override": override}
        for fp in members:
            all_peers[fp] = peers[fp] if fp in peers else (since.peers[fp] if since else ())
    out_totals: dict[str, dict[str, float]] = {n: dict(t) for n, t in (totals or {}).items()}
    if since is not None:
        for key in since.groups:
            carried_nodes = [
                n
                for n in since.nodes
                if since.membership(key, n) is not None
                and not (key in published and n in published[key])
            ]
            if not carried_nodes:
                continue
            g = groups.setdefault(key, {"members": [], "nodes": [], "override": {}})
            for n in carried_nodes:
                fps = since.membership(key, n) or frozenset()
                g["override"][n] = sorted(fps)
                for fp in fps:
                    all_peers.setdefault(fp, since.peers.get(fp, ()))
                if n in since.totals and key in since.totals[n]:
                    out_totals.setdefault(n, {}).setdefault(key, since.totals[n][key])
    all_nodes = tuple(dict.fromkeys([*(since.nodes if since else ()), *nodes]))
    return Release(
        kind=kind,
        salt=salt,
        k=k,
        by=tuple(by),
        nodes=all_nodes,
        peers=all_peers,
        groups=groups,
        totals=out_totals,
        label=label,
        levels=dict(levels or {}),
    )
