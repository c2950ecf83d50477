"""Peer groups: profiles encoded as integer keys, widening along the classification
hierarchies until a group is large enough, and the members of each group.

Profiles are encoded once as integer codes per hierarchy level; widening is resolved per
*distinct* profile (there are few), so a million companies cost little more than a thousand.
"""

from __future__ import annotations

import itertools
import operator
import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from maturity.benchmarking.common import (
    _BINCOUNT_LIMIT,
    _MAX_DEPTH,
    _SECTOR_LEVELS,
    _SIZE_IT,
    DEFAULT_BY,
    DEFAULT_WIDEN,
    BenchmarkError,
    BoolArray,
    IntArray,
    ProfileKeys,
)
from maturity.classify import WIDENING_FIELDS, nuts_name, widen_chain

__all__ = ["PeerGroup", "profile_keys"]


@dataclass(frozen=True)
class PeerGroup:
    """The peer group of one company.

    ``filters`` maps each profile field of ``by`` to the value the group matches on (a NACE
    code, a size class, a NUTS code) or ``None`` for "all"; ``size`` is the number of peers
    with a score at the root node, the company itself left out; ``steps`` the number of
    widening steps taken; ``sufficient`` is False when even the widest group allowed has fewer
    than ``min_group`` peers, in which case nothing is reported for the company.
    """

    filters: Mapping[str, str | None]
    size: int
    steps: int
    sufficient: bool

    def __hash__(self) -> int:
        return hash((tuple(self.filters.items()), self.size, self.steps, self.sufficient))

    def describe(self, lang: Literal["en", "it"] = "en") -> str:
        """A short text for reports, e.g. ``sector 28 (division), size class small, region ITC
        (Nord-Ovest): 37 companies``; ``insufficient peers`` when nothing is reported.
        """
        if lang not in ("en", "it"):
            raise ValueError(f"unknown language {lang!r} (languages: en, it)")
        it = lang == "it"
        if not self.sufficient:
            return "imprese di confronto insufficienti" if it else "insufficient peers"
        parts = [_describe_filter(f, v, it) for f, v in self.filters.items()]
        if not parts:
            parts = ["tutte le imprese" if it else "all companies"]
        unit = (
            ("impresa" if self.size == 1 else "imprese")
            if it
            else ("company" if self.size == 1 else "companies")
        )
        return f"{', '.join(parts)}: {self.size} {unit}"

    def to_dict(self) -> dict[str, Any]:
        """The group as plain data (for JSON)."""
        return {
            "filters": dict(self.filters),
            "size": self.size,
            "steps": self.steps,
            "sufficient": self.sufficient,
            "description": self.describe(),
        }


def _describe_filter(fld: str, value: str | None, it: bool) -> str:
    if fld == "sector":
        if value is None:
            return "tutti i settori" if it else "all sectors"
        level = _SECTOR_LEVELS[_sector_depth(value)][1 if it else 0]
        return f"{'settore' if it else 'sector'} {value} ({level})"
    if fld == "size_class":
        if value is None:
            return "tutte le classi dimensionali" if it else "all size classes"
        return f"classe dimensionale {_SIZE_IT.get(value, value)}" if it else f"size class {value}"
    if value is None:
        return "tutte le regioni" if it else "all regions"
    try:
        name = nuts_name(value)
    except ValueError:  # pragma: no cover - values come from validated chains
        name = None
    return f"{'regione' if it else 'region'} {value}" + (f" ({name})" if name else "")


def _sector_depth(code: str) -> int:
    if code.isalpha():
        return 1
    return {2: 2, 4: 3, 5: 4}.get(len(code), 4)


def profile_keys(
    profiles: Sequence[Any], fields: Iterable[str] = DEFAULT_BY
) -> dict[str, tuple[IntArray, tuple[str | None, ...]]]:
    """Encode profiles as :data:`ProfileKeys`: per field, integer codes and the categories.

    ``profiles`` are :class:`~maturity.responses.Profile` objects (or anything with the
    attributes ``sector``, ``region`` and ``size_class``). Empty strings count as unknown.
    """
    out: dict[str, tuple[IntArray, tuple[str | None, ...]]] = {}
    for fld in fields:
        cats: dict[str | None, int] = {}
        if fld == "size_class":
            cache: dict[tuple[Any, ...], str | None] = {}

            def size_of(p: Any, cache: dict[tuple[Any, ...], str | None] = cache) -> Any:
                key = (
                    getattr(p, "employees", None),
                    getattr(p, "turnover", None),
                    getattr(p, "balance_sheet", None),
                )
                if key not in cache:
                    cache[key] = p.size_class
                return cache[key]

            values: Iterable[Any] = (size_of(p) for p in profiles)
        else:
            values = (getattr(p, fld, None) for p in profiles)
        codes = np.fromiter(
            (cats.setdefault(v or None, len(cats)) for v in values), np.int64, len(profiles)
        )
        out[fld] = (codes, tuple(cats))
    return out


def _chain(fld: str, value: object) -> tuple[str, ...]:
    """The filter values of ``value`` by depth, most general first (``()`` if unknown)."""
    if value is None or value == "":
        return ()
    if not isinstance(value, str):
        raise BenchmarkError(f"a {fld} in a profile must be a string, not {value!r}")
    try:
        full = widen_chain(fld, value)
    except ValueError as exc:
        raise BenchmarkError(f"invalid {fld} {value!r} in a profile: {exc}") from None
    chain = [c for c in full if c is not None]
    if fld == "sector" and len(chain) == 5:  # an ATECO code: start at its NACE class
        chain = chain[1:]
    return tuple(reversed(chain))


@dataclass
class _Field:
    """One profile field encoded: leaves (distinct chains) and their codes per depth."""

    name: str
    anc: IntArray  # (leaves, depth+1): code of the ancestor at each depth, -1 if none
    depth: IntArray  # (leaves,): the depth of each leaf's own value
    values: list[list[str]]  # per depth: code -> value
    leaves: list[IntArray]  # per side: leaf of each row


def _keys_of(obj: Any, fields: Sequence[str], keys: ProfileKeys | None, n: int) -> ProfileKeys:
    if keys is None:
        keys = getattr(obj, "profile_keys", None)
    if keys is not None:
        missing = [f for f in fields if f not in keys]
        if missing:
            raise BenchmarkError(f"profile keys lack the field(s) {', '.join(missing)}")
        return keys
    profiles = tuple(getattr(obj, "profiles", ()) or ())
    if not profiles:  # no profiles at all: every value unknown
        return {f: (np.full(n, -1, np.int64), ()) for f in fields}
    if len(profiles) != n:
        raise BenchmarkError(f"{len(profiles)} profiles for {n} rows")
    return profile_keys(profiles, fields)


def _encode(
    fld: str, sides: Sequence[tuple[Any, Sequence[str | None]]], ns: Sequence[int]
) -> _Field:
    chain_ids: dict[tuple[str, ...], int] = {(): 0}
    leaves = []
    for (codes, cats), n in zip(sides, ns, strict=True):
        lut = np.zeros(len(cats) + 1, np.int64)  # the last entry: code -1 (unknown)
        for i, c in enumerate(cats):
            lut[i] = chain_ids.setdefault(_chain(fld, c), len(chain_ids))
        arr = np.asarray(codes)
        if arr.shape != (n,) or arr.dtype.kind not in "iu":
            raise BenchmarkError(f"profile keys of {fld}: expected {n} integer codes")
        if n and (int(arr.min()) < -1 or int(arr.max()) >= len(cats)):
            raise BenchmarkError(f"profile keys of {fld}: a code is out of range")
        leaves.append(lut[arr])
    dmax = _MAX_DEPTH[fld]
    codes_at: list[dict[str, int]] = [{} for _ in range(dmax + 1)]
    anc = np.full((len(chain_ids), dmax + 1), -1, np.int64)
    anc[:, 0] = 0
    depth = np.zeros(len(chain_ids), np.int64)
    for chain, leaf in chain_ids.items():
        depth[leaf] = len(chain)
        for d, val in enumerate(chain, start=1):
            anc[leaf, d] = codes_at[d].setdefault(val, len(codes_at[d]))
    values = [list(c) for c in codes_at]
    return _Field(fld, anc, depth, values, leaves)


def _compact(key: IntArray, space: int) -> tuple[IntArray, IntArray]:
    """Dense ids 0..k-1 for the distinct values of ``key`` (in increasing order) and them."""
    if space <= max(_BINCOUNT_LIMIT, 2 * len(key)):
        present = np.flatnonzero(np.bincount(key, minlength=space))
        lut = np.zeros(space, np.int64)
        lut[present] = np.arange(len(present))
        return lut[key], present.astype(np.int64)
    uniq, inv = np.unique(key, return_inverse=True)
    return inv.astype(np.int64), uniq.astype(np.int64)


def _unique_rows(a: IntArray) -> tuple[IntArray, IntArray]:
    """``np.unique(a, axis=0, return_inverse=True)`` for a small integer matrix, through one
    mixed-radix int64 key per row (``np.unique`` on rows sorts a structured view, ten times
    slower); rows come out in the same (lexicographic) order.
    """
    a = np.asarray(a, dtype=np.int64)
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
        uniq, inv = np.unique(a, axis=0, return_inverse=True)
        return uniq, inv.reshape(-1)
    lo = a.min(axis=0)
    span = a.max(axis=0) - lo + 1
    if float(np.prod(span.astype(np.float64))) >= 2.0**62:
        uniq, inv = np.unique(a, axis=0, return_inverse=True)
        return uniq, inv.reshape(-1)
    key = np.zeros(len(a), np.int64)
    for i in range(a.shape[1]):
        key = key * span[i] + (a[:, i] - lo[i])
    inv, ukey = _compact(key, int(np.prod(span)))
    uniq = np.empty((len(ukey), a.shape[1]), np.int64)
    rest = ukey.copy()
    for i in range(a.shape[1] - 1, -1, -1):
        uniq[:, i] = rest % span[i] + lo[i]
        rest //= span[i]
    return uniq, inv


def _profiles(fields: Sequence[_Field], side: int, n: int) -> tuple[IntArray, IntArray]:
    """Distinct profiles of one side: row → profile id, and the leaves of each profile."""
    if not fields:
        return np.zeros(n, np.int64), np.zeros((1, 0), np.int64)
    key = np.zeros(n, np.int64)
    space = 1
    for f in fields:
        size = len(f.depth)
        key *= size
        key += f.leaves[side]
        space *= size
    ids, uniq = _compact(key, space)
    leaves = np.empty((len(uniq), len(fields)), np.int64)
    rest = uniq.copy()
    for i in range(len(fields) - 1, -1, -1):
        size = len(fields[i].depth)
        leaves[:, i] = rest % size
        rest //= size
    return ids, leaves


def _check_fields(by: Sequence[str], widen: Sequence[str] | None) -> tuple[str, ...]:
    if isinstance(by, str):
        raise BenchmarkError("'by' must be a sequence of field names, not a string")
    for f in by:
        if f not in WIDENING_FIELDS:
            raise BenchmarkError(
                f"unknown peer-group field {f!r} (fields: {', '.join(WIDENING_FIELDS)})"
            )
    if len(set(by)) != len(by):
        raise BenchmarkError("'by' names a field twice")
    if widen is None:
        return tuple(f for f in DEFAULT_WIDEN if f in by)
    if isinstance(widen, str):
        raise BenchmarkError("'widen' must be a sequence of field names, not a string")
    for f in widen:
        if f not in by:
            raise BenchmarkError(f"'widen' names {f!r}, which is not in 'by' ({', '.join(by)})")
    return tuple(widen)


def _schedule(by: Sequence[str], widen: Sequence[str]) -> list[tuple[int, int]]:
    """(field index, depth cap) per step: the k-th entry for a field caps it k levels up."""
    used = {f: 0 for f in by}
    steps: list[tuple[int, int]] = []
    while True:
        added = False
        for f in widen:
            if used[f] < _MAX_DEPTH[f]:
                used[f] += 1
                steps.append((by.index(f), _MAX_DEPTH[f] - used[f]))
                added = True
        if not added:
            return steps


def _self_index(ids: Sequence[str], peer_ids: Sequence[str], same: bool) -> IntArray:
    """Each company's row among the peers (-1 if it is not a peer), matched by id."""
    n, n_p = len(ids), len(peer_ids)
    if same or ids is peer_ids or (n == n_p and tuple(ids) == tuple(peer_ids)):
        return np.arange(n, dtype=np.int64)
    out = np.full(n, -1, np.int64)
    if n == 0 or n_p == 0:
        return out
    # match hashes with sorted arrays (a dict of a million ids costs far more), then check
    # the strings of the matches, so a hash collision cannot pair two different ids
    hp = np.fromiter(map(hash, peer_ids), np.int64, n_p)
    op = np.argsort(hp)
    hs = hp[op]
    if np.any(hs[1:] == hs[:-1]):
        pos = dict(zip(peer_ids, range(n_p), strict=True))
        if len(pos) != n_p:
            raise BenchmarkError("peer ids are not unique")
        return np.fromiter(map(pos.get, ids, itertools.repeat(-1, n)), np.int64, n)
    hc = np.fromiter(map(hash, ids), np.int64, n)
    oc = np.argsort(hc)
    i = np.minimum(np.searchsorted(hs, hc[oc]), n_p - 1)
    hit = hs[i] == hc[oc]
    comp, peer = oc[hit], op[i[hit]]
    same_id = np.fromiter(
        map(
            operator.eq,
            map(ids.__getitem__, comp.tolist()),
            map(peer_ids.__getitem__, peer.tolist()),
        ),
        bool,
        len(comp),
    )
    out[comp[same_id]] = peer[same_id]
    return out


@dataclass
class _Resolved:
    """Peer groups resolved per class of companies."""

    group: IntArray  # per class: group id, -1 if insufficient
    depth: IntArray  # per class × field: depth of the filter
    size: IntArray  # per class
    steps: IntArray  # per class
    gdepth: IntArray  # per group × field
    gcode: IntArray  # per group × field


def _radices(fields: Sequence[_Field], dv: Sequence[int]) -> list[int]:
    return [len(f.values[int(d)]) + 1 if d else 1 for f, d in zip(fields, dv, strict=True)]


def _keys_at(fields: Sequence[_Field], leaf: IntArray, dv: Sequence[int]) -> IntArray:
    """One integer per row of ``leaf`` (rows × fields): its filter values at depths ``dv``."""
    key = np.zeros(len(leaf), np.int64)
    for i, (f, radix) in enumerate(zip(fields, _radices(fields, dv), strict=True)):
        key = key * radix + f.anc[leaf[:, i], int(dv[i])] + 1
    return key


def _code_keys(fields: Sequence[_Field], code: IntArray, dv: Sequence[int]) -> IntArray:
    """The same integers for filters given as codes (rows × fields) at depths ``dv``."""
    key = np.zeros(len(code), np.int64)
    for i, radix in enumerate(_radices(fields, dv)):
        key = key * radix + code[:, i] + 1
    return key


def _resolve(
    fields: Sequence[_Field],
    cls_leaf: IntArray,
    cls_self: IntArray,
    peer_leaf: IntArray,
    peer_weight: IntArray,
    schedule: Sequence[tuple[int, int]],
    min_group: int,
) -> _Resolved:
    """Widen each class's filter until its group (self excluded) has ``min_group`` peers."""
    n_cls, nf = cls_leaf.shape
    depth = np.empty((n_cls, nf), np.int64)
    for i, f in enumerate(fields):
        depth[:, i] = f.depth[cls_leaf[:, i]]

    def count(rows: IntArray) -> IntArray:
        out = np.zeros(len(rows), np.int64)
        if len(rows) == 0 or len(peer_leaf) == 0:
            return out
        dv, inv = _unique_rows(depth[rows])
        for u in range(len(dv)):
            sel_pos = np.flatnonzero(inv == u)
            sel = rows[sel_pos]
            pk = _keys_at(fields, peer_leaf, dv[u])
            ck = _keys_at(fields, cls_leaf[sel], dv[u])
            uk, pinv = np.unique(pk, return_inverse=True)
            w = np.bincount(pinv.reshape(-1), weights=peer_weight, minlength=len(uk))
            pos = np.minimum(np.searchsorted(uk, ck), len(uk) - 1)
            c = np.where(uk[pos] == ck, np.rint(w[pos]).astype(np.int64), 0)
            sp = cls_self[sel]
            mine = (sp >= 0) & (pk[np.maximum(sp, 0)] == ck)
            out[sel_pos] = c - mine
        return out

    size = count(np.arange(n_cls))
    done = size >= min_group
    steps = np.zeros(n_cls, np.int64)
    for fi, cap in schedule:
        act = np.flatnonzero(~done & (depth[:, fi] > cap))
        if len(act) == 0:
            continue
        depth[act, fi] = cap
        steps[act] += 1
        size[act] = count(act)
        done[act] = size[act] >= min_group
    code = np.empty((n_cls, nf), np.int64)
    for i, f in enumerate(fields):
        code[:, i] = f.anc[cls_leaf[:, i], depth[:, i]]
    group = np.full(n_cls, -1, np.int64)
    ok = np.flatnonzero(done)
    uniq, inv = _unique_rows(np.hstack([depth[ok], code[ok]]))
    group[ok] = inv
    return _Resolved(group, depth, size, steps, uniq[:, :nf], uniq[:, nf:])


def _ranges(starts: IntArray, lens: IntArray) -> IntArray:
    """``starts[i] .. starts[i] + lens[i] - 1`` for every i, concatenated."""
    total = int(lens.sum())
    offsets = np.cumsum(lens) - lens
    return np.arange(total, dtype=np.int64) - np.repeat(offsets - starts, lens)


def _members(
    fields: Sequence[_Field], res: _Resolved, peer_leaf: IntArray
) -> tuple[IntArray, IntArray]:
    """The peer profiles of each group: group g has ``mem[ptr[g]:ptr[g + 1]]``."""
    n_groups = len(res.gdepth)
    pair_group: list[IntArray] = []
    pair_prof: list[IntArray] = []
    if n_groups and len(peer_leaf):
        dvs, inv = _unique_rows(res.gdepth)
        for u in range(len(dvs)):
            gs = np.flatnonzero(inv == u)
            pk = _keys_at(fields, peer_leaf, dvs[u])
            order = np.argsort(pk, kind="stable")
            sk = pk[order]
            gk = _code_keys(fields, res.gcode[gs], dvs[u])
            lo = np.searchsorted(sk, gk, side="left")
            lens = np.searchsorted(sk, gk, side="right") - lo
            pair_group.append(np.repeat(gs, lens))
            pair_prof.append(order[_ranges(lo, lens)])
    groups = np.concatenate(pair_group) if pair_group else np.zeros(0, np.int64)
    profs = np.concatenate(pair_prof) if pair_prof else np.zeros(0, np.int64)
    o = np.argsort(groups, kind="stable")
    ptr = np.zeros(n_groups + 1, np.int64)
    ptr[1:] = np.cumsum(np.bincount(groups, minlength=n_groups))
    return ptr, profs[o]


def _self_member(
    fields: Sequence[_Field], res: _Resolved, gc: IntArray, own: IntArray, peer_leaf: IntArray
) -> BoolArray:
    """Whether peer profile ``own[i]`` belongs to group ``gc[i]`` (both valid indices)."""
    ok = np.ones(len(gc), bool)
    for i, f in enumerate(fields):
        d = res.gdepth[gc, i]
        ok &= f.anc[peer_leaf[own, i], d] == res.gcode[gc, i]
    return ok


def _peer_groups(
    fields: Sequence[_Field], res: _Resolved, cls_leaf: IntArray, cls: IntArray
) -> tuple[PeerGroup, ...]:
    """One :class:`PeerGroup` per distinct (filters, size, steps, sufficient), shared by the
    companies that have it (few Python objects even for a million companies).
    """
    n_cls, nf = res.depth.shape
    if n_cls == 0:
        return ()
    code = np.empty((n_cls, nf), np.int64)
    for i, f in enumerate(fields):
        code[:, i] = f.anc[cls_leaf[:, i], res.depth[:, i]]
    code[res.depth == 0] = -1
    fkey = np.hstack([res.depth, code]) if nf else np.zeros((n_cls, 1), np.int64)
    fu, finv = _unique_rows(fkey)
    # each field's value of every distinct filter, as one object column (no loop per field)
    columns = []
    for i, f in enumerate(fields):
        flat = [None, *(v for level in f.values[1:] for v in level)]
        offset = np.cumsum([0, 1, *(len(level) for level in f.values[1:])])[:-1]
        d = fu[:, i]
        pos = np.where(d > 0, offset[np.maximum(d, 0)] + fu[:, nf + i], 0)
        columns.append(np.array(flat, dtype=object)[pos].tolist())
    names = [f.name for f in fields]
    proxy = types.MappingProxyType
    filters = [proxy(dict(zip(names, vals, strict=True))) for vals in zip(*columns, strict=True)]
    if not fields:
        filters = [proxy({}) for _ in range(len(fu))]
    gkey = np.stack([finv, res.size, res.steps, (res.group >= 0).astype(np.int64)], axis=1)
    gu, ginv = _unique_rows(gkey)
    objs = np.array(
        [PeerGroup(filters[fi], size, steps, bool(ok)) for fi, size, steps, ok in gu.tolist()]
        + [None],
        dtype=object,
    )[:-1]
    return tuple(objs[ginv[cls]].tolist())
