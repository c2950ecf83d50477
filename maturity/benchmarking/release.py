"""Successive releases: what a benchmark or an aggregate table published, so that the next run
cannot be differenced against it.

Two runs before and after one new peer joins a group would otherwise give the newcomer's score
(``n₂·mean₂ − n₁·mean₁``), rounding or not. A :class:`Release` records, for the publisher
only (it holds no score, but it is not for publication), which companies each published
group or cell rested on; passed back as ``since=`` to :func:`~maturity.benchmarking.benchmark`
or :func:`~maturity.benchmarking.aggregate_table`, it enforces the rule of
:mod:`maturity.benchmarking.disclosure` on membership changes (``k`` = ``release_k``):

- **benchmark** (per peer group and node): a group published before is published again only
  when fewer than ``k`` of its members left (none, or ``k`` or more). Newcomers wait: while
  fewer than ``k`` have joined a group since it was last published, they are left out of it
  (the group shows what it showed before); from ``k`` on, all of them enter at once. A group
  that lost 1 to ``k − 1`` members is withheld (NaN) until the losses reach ``k``.
- **aggregate table** (per cell and node): a cell whose membership changed by 1 to ``k − 1``
  companies (joined plus left) is suppressed, and the table of changes between the two
  releases (each cell's total now minus its total then) is audited by linear programming like
  the table itself, so no combination of cells of the two releases isolates fewer than ``k``
  changes either.

Companies are matched across releases by a *fingerprint*: a keyed BLAKE2b hash (salt stored in
the release) of the company id and all its node scores, so a company whose score changed counts
as one that left and one that joined.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Mapping, Sequence
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

    ``peers`` maps each fingerprint to the company's profile values (one per field of ``by``,
    ``None`` when unknown) and the nodes where it had a score; ``published`` maps each node to
    the published groups (benchmark: the group's filters as text) or cells (table: the cell as
    text) and, per group or cell, ``excluded`` fingerprints (newcomers still waiting),
    ``members`` (the membership carried over from an earlier release, for a withheld group)
    and, for tables, ``total`` (the exact total score of the cell).
    """

    kind: str  # "benchmark" or "aggregate"
    salt: str
    k: int
    by: tuple[str, ...]
    nodes: tuple[str, ...]
    peers: Mapping[str, tuple[tuple[str | None, ...], tuple[str, ...]]]
    published: Mapping[str, Mapping[str, Mapping[str, Any]]]
    label: str | None = None
    levels: Mapping[str, int] = field(default_factory=dict)

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
            "peers": {fp: [list(p), list(ns)] for fp, (p, ns) in sorted(self.peers.items())},
            "published": {
                node: {key: dict(v) for key, v in sorted(cells.items())}
                for node, cells in self.published.items()
            },
        }
        text = json.dumps(doc, ensure_ascii=False, indent=0, sort_keys=False) + "\n"
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
            peers = {
                str(fp): (tuple(None if v is None else str(v) for v in p), tuple(map(str, ns)))
                for fp, (p, ns) in doc["peers"].items()
            }
            published = {
                str(node): {str(key): dict(v) for key, v in cells.items()}
                for node, cells in doc["published"].items()
            }
            return cls(
                kind=str(doc["kind"]),
                salt=str(doc["salt"]),
                k=int(doc["k"]),
                by=tuple(doc["by"]),
                nodes=tuple(doc["nodes"]),
                peers=peers,
                published=published,
                label=doc.get("label"),
                levels={str(f): int(d) for f, d in (doc.get("levels") or {}).items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BenchmarkError(f"{name}: malformed release file ({exc})") from None


def new_salt() -> str:
    """A fresh random salt for fingerprints."""
    return secrets.token_hex(16)


def fingerprints(salt: str, ids: Sequence[str], score: FloatArray) -> list[str]:
    """One fingerprint per row: a keyed hash of the id and every score of the row."""
    key = bytes.fromhex(salt) if _is_hex(salt) else salt.encode()
    out = []
    for cid, row in zip(ids, score.tolist(), strict=True):
        h = hashlib.blake2b(digest_size=12, key=key[:64])
        h.update(str(cid).encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
        h.update(",".join("nan" if math.isnan(v) else shortest(v) for v in row).encode())
        out.append(h.hexdigest())
    return out


def _is_hex(s: str) -> bool:
    try:
        bytes.fromhex(s)
    except ValueError:
        return False
    return bool(s)


def check_since(since: Any, kind: str, by: Sequence[str], nodes: Sequence[str]) -> Release:
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
    missing = [n for n in nodes if n not in since.nodes]
    if missing and since.published:
        raise BenchmarkError(f"'since' has no node {missing[0]!r}")
    return since


def check_k(k: Any, default: int) -> int:
    """The release threshold: ``default`` (``min_group``) unless given, an integer >= 1."""
    if k is None:
        return default
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise BenchmarkError(f"release_k must be an integer >= 1, not {k!r}")
    return k


def _present(score_row: Sequence[float], nodes: Sequence[str]) -> tuple[str, ...]:
    return tuple(n for n, v in zip(nodes, score_row, strict=True) if not math.isnan(v))


def peer_table(
    salt: str, ids: Sequence[str], score: FloatArray, nodes: Sequence[str], profile: list[Any]
) -> tuple[list[str], dict[str, tuple[tuple[str | None, ...], tuple[str, ...]]]]:
    """Fingerprints of the rows and the ``peers`` table of a release."""
    fps = fingerprints(salt, ids, score)
    table = {
        fp: (tuple(p), _present(row, nodes))
        for fp, p, row in zip(fps, profile, np.asarray(score).tolist(), strict=True)
    }
    return fps, table
