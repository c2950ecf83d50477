"""Peer benchmarking: where a company stands among comparable companies, node by node.

:func:`benchmark` compares every company of a :class:`~maturity.scores.Scores` (or any object
with ``ids``, ``nodes``, ``score`` and ``profiles``) with a peer population. Each company's
peer group is the peers that share its sector, size class and region; a group with fewer than
``min_group`` peers is widened one level at a time along the classification hierarchies
(:func:`maturity.classify.widen_chain`) until it is large enough, and is never reported when
even "all peers" is too small. The company itself is always left out of its own group.

Per node the result holds the company's percentile rank among its peers (mean of the weak and
strict definitions, as ``scipy.stats.percentileofscore(kind="mean")``, scores within
:data:`~maturity.numbers.SCORE_TOLERANCE` counting as ties), the peers' quartiles, mean, 90th
percentile ("best in class"), standard deviation, the company's z-score and, optionally, the
distribution-free confidence interval of the peer median. Everything shown about the peers
follows the disclosure rules of :mod:`maturity.benchmarking.disclosure`.

Every definition is written out in ``docs/methodology-benchmark.md``.

Speed: nothing loops over companies or groups in Python. Profiles are encoded once as integer
codes per hierarchy level; widening is resolved per *distinct* profile; per node one integer
sort orders every group's scores (:mod:`maturity.benchmarking.statistics`). A million
companies against a million peers in 126,000 sparse groups take a few seconds. Building
:class:`~maturity.responses.Profile` objects for a million rows is itself slow; callers that
hold profiles as arrays pass them as *profile keys* instead (see :data:`ProfileKeys` and
:func:`profile_keys`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from maturity.benchmarking.common import (
    _STATS,
    DEFAULT_BY,
    BenchmarkError,
    ProfileKeys,
    ScoresLike,
)
from maturity.benchmarking.disclosure import PUBLISHED_DIGITS
from maturity.benchmarking.groups import (
    _check_fields,
    _compact,
    _encode,
    _keys_of,
    _members,
    _peer_groups,
    _profiles,
    _ranges,
    _resolve,
    _schedule,
    _self_index,
    _self_member,
)
from maturity.benchmarking.release import (
    Release,
    check_k,
    check_since,
    decide,
    fingerprints,
    new_salt,
    present_nodes,
)
from maturity.benchmarking.result import Benchmark
from maturity.benchmarking.statistics import _node, _sort_node

__all__ = ["benchmark"]


def benchmark(
    scores: ScoresLike,
    peers: ScoresLike,
    *,
    by: Sequence[str] = DEFAULT_BY,
    widen: Sequence[str] | None = None,
    min_group: int = 5,
    interval: bool = False,
    confidence: float = 0.95,
    digits: int | None = PUBLISHED_DIGITS,
    keys: ProfileKeys | None = None,
    peer_keys: ProfileKeys | None = None,
    since: Release | None = None,
    release_k: int | None = None,
    bootstrap: bool = False,
    n_resamples: int | None = None,
    seed: int | None = None,
) -> Benchmark:
    """Compare every company of ``scores`` with its peer group in ``peers``, node by node.

    Peer group: the peers whose profile matches the company's on the ``by`` fields. When it
    has fewer than ``min_group`` members (peers with a score at the ``root`` node, or at the
    first node when there is no root, the company itself left out), it is widened step by
    step. ``widen`` lists one field per step: the k-th entry for a field lets that field's
    filter be at most k levels above the field's most specific level (sector: NACE class →
    group → division → section → all; region: NUTS-3 → NUTS-2 → NUTS-1 → country → all;
    size class → all). A company whose value is coarser than a step's level (a sector given
    as a division, say) skips that step, and skipped steps are not counted. When ``widen`` is
    exhausted it is repeated until every field it names is at "all"; a field of ``by`` that
    ``widen`` never names is never widened. The default (:data:`DEFAULT_WIDEN`) widens the
    region up to the country, then the size class, then the sector up to the section, then
    the region and finally the sector to "all". A company with an unknown value of a field
    starts at "all" for it. A group still smaller than ``min_group`` after the last step is
    not reported: its :class:`PeerGroup` says ``sufficient=False`` and every statistic is NaN.

    The company is always left out of its own group (matched by id), so ``peers`` may be the
    same object as ``scores`` or a population that contains the company.

    Per node (the nodes of ``scores`` that ``peers`` also has) peers without a score there
    are left out. See :class:`Benchmark` for the statistics,
    :mod:`maturity.benchmarking.disclosure` for what is published, and
    ``docs/methodology-benchmark.md`` for the definitions.

    Args:
        scores: the companies to benchmark (a :class:`~maturity.scores.Scores` or alike).
        peers: the peer population (may be ``scores`` itself).
        by: the profile fields that define a peer group.
        widen: the widening order (default :data:`DEFAULT_WIDEN` restricted to ``by``).
        min_group: the smallest group that is reported (at least 1; 5 by default). Quantiles
            need ``2 × min_group`` peers and average ``min_group`` order statistics.
        interval: also give the distribution-free confidence interval of the peer median
            (from order statistics and binomial quantiles: coverage at least ``confidence``
            for any continuous distribution; no resampling).
        confidence: the interval's confidence level, strictly between 0 and 1.
        digits: decimals of the published peer statistics (the displayed precision); ``None``
            publishes them unrounded.
        keys: the companies' profiles as :data:`ProfileKeys` (default: the object's
            ``profile_keys`` attribute if it has one, else its ``profiles``; an object
            with no profiles at all counts as unknown on every field).
        peer_keys: the same for the peers.
        since: the :class:`~maturity.benchmarking.release.Release` of an earlier run
            (:meth:`Benchmark.release`): newcomers wait until ``release_k`` have joined a
            group, and a group that lost 1 to ``release_k − 1`` members is withheld, so that
            the two runs cannot be differenced (see :mod:`maturity.benchmarking.release`).
        release_k: the change threshold of ``since`` (default ``min_group``).
        bootstrap: deprecated: the bootstrap interval was replaced by ``interval=True``
            (exact coverage, no resampling); ``bootstrap=True`` warns and gives that interval.
        n_resamples: deprecated, ignored.
        seed: deprecated, ignored.

    Raises:
        BenchmarkError: invalid arguments, no node in common, an invalid profile value.

    """
    if bootstrap or n_resamples is not None or seed is not None:
        warnings.warn(
            "benchmark(bootstrap=True, n_resamples=..., seed=...) is deprecated: the peer "
            "median's interval is now the distribution-free interval from order statistics "
            "(exact coverage, no resampling); pass interval=True instead",
            FutureWarning,
            stacklevel=2,
        )
        interval = interval or bool(bootstrap)
    by_t = tuple(by)
    widen_t = _check_fields(by_t, widen)
    if isinstance(min_group, bool) or not isinstance(min_group, int) or min_group < 1:
        raise BenchmarkError(f"min_group must be an integer >= 1, not {min_group!r}")
    if interval and not (isinstance(confidence, float | int) and 0 < confidence < 1):
        raise BenchmarkError(f"confidence must be between 0 and 1, not {confidence!r}")
    if digits is not None and (
        isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 12
    ):
        raise BenchmarkError(f"digits must be an integer from 0 to 12 or None, not {digits!r}")
    k_rel = check_k(release_k, min_group)
    if since is not None:
        check_since(since, "benchmark", by_t)
    same = peers is scores
    nodes = tuple(n for n in scores.nodes if n in set(peers.nodes))
    if not nodes:
        raise BenchmarkError("the scores and the peers have no node in common")
    ids = tuple(scores.ids)
    peer_ids = tuple(peers.ids)
    n_c, n_p, k = len(ids), len(peer_ids), len(nodes)
    x_all = np.asarray(scores.score, dtype=np.float64)
    p_all = np.asarray(peers.score, dtype=np.float64)
    if x_all.shape != (n_c, len(scores.nodes)) or p_all.shape != (n_p, len(peers.nodes)):
        raise BenchmarkError("score arrays do not match ids × nodes")
    cols = [list(scores.nodes).index(nd) for nd in nodes]
    pcols = [list(peers.nodes).index(nd) for nd in nodes]
    root = nodes.index("root") if "root" in nodes else 0

    ck = _keys_of(scores, by_t, keys, n_c)
    pk = ck if same else _keys_of(peers, by_t, peer_keys, n_p)
    if same:
        fields = [_encode(f, [ck[f]], [n_c]) for f in by_t]
        for f in fields:
            f.leaves.append(f.leaves[0])
    else:
        fields = [_encode(f, [ck[f], pk[f]], [n_c, n_p]) for f in by_t]
    cprof, cleaf = _profiles(fields, 0, n_c)
    pprof, pleaf = _profiles(fields, 1, n_p)
    k_p = len(pleaf)

    self_idx = _self_index(ids, peer_ids, same)
    has_self = self_idx >= 0
    sidx = np.maximum(self_idx, 0)
    sp = np.where(has_self, pprof[sidx] if n_p else -1, -1)
    p_root_ok = ~np.isnan(p_all[:, pcols[root]])
    self_root = has_self & (p_root_ok[sidx] if n_p else False)
    peer_weight = np.bincount(pprof[p_root_ok], minlength=k_p).astype(np.int64)

    # classes: distinct (company profile, own peer profile when it counts at the root)
    cls_key = cprof * (k_p + 1) + np.where(self_root, sp, -1) + 1
    cls, cls_uniq = _compact(cls_key, len(cleaf) * (k_p + 1))
    cls_prof = cls_uniq // (k_p + 1)
    cls_self = cls_uniq % (k_p + 1) - 1
    res = _resolve(
        fields,
        cleaf[cls_prof],
        cls_self,
        pleaf,
        peer_weight,
        _schedule(by_t, widen_t),
        min_group,
    )
    n_groups = len(res.gdepth)
    gptr, gmem = _members(fields, res, pleaf)
    gc = res.group[cls]  # per company, -1 when insufficient
    selfin = has_self & (gc >= 0)
    cand = np.flatnonzero(selfin)
    if len(cand):
        selfin[cand] = _self_member(fields, res, gc[cand], sp[cand], pleaf)
    gc = np.where(gc < 0, n_groups, gc)  # row n_groups of the tables: "no group"

    groups = _peer_groups(fields, res, cleaf[cls_prof], cls)

    # every (group, member peer) pair once: the peers of each member profile, group by group
    porder = np.argsort(pprof, kind="stable")
    pcount = np.bincount(pprof, minlength=k_p).astype(np.int64)
    pstart = np.cumsum(pcount) - pcount
    pair_len = pcount[gmem]
    elem_peer = porder[_ranges(pstart[gmem], pair_len)]
    elem_group = np.repeat(np.repeat(np.arange(n_groups), np.diff(gptr)), pair_len)

    corder = np.argsort(gc, kind="stable")
    eptr = np.zeros(n_groups + 1, np.int64)
    eptr[1:] = np.cumsum(np.bincount(elem_group, minlength=n_groups))
    group_keys = _group_keys(fields, res) if since is not None else None
    fps = fingerprints(since.salt, peer_ids, p_all[:, pcols]) if since is not None else None
    published: dict[int, dict[str, frozenset[str]]] = {}
    shape = (k, n_c)
    out = {s: np.empty(shape) for s in _STATS}
    n_out = np.empty(shape, np.int64)
    ci = (np.full(shape, np.nan), np.full(shape, np.nan)) if interval else None
    for j in range(k):
        col = np.ascontiguousarray(p_all[:, pcols[j]])
        xs = np.ascontiguousarray(x_all[:, cols[j]])
        # the company's own score among the peers (unused where it is not a peer)
        v = xs if same or not selfin.any() else np.take(col, sidx)
        eg, ep, selfin_j, withheld = elem_group, elem_peer, selfin, None
        if since is not None:
            assert group_keys is not None and fps is not None
            eg, ep, selfin_j, withheld = _apply_release(
                since,
                k_rel,
                nodes[j],
                col,
                fps,
                group_keys,
                eptr,
                elem_group,
                elem_peer,
                gc,
                sidx,
                selfin,
                published,
            )
        nd = _sort_node(col, ep, eg, n_groups)
        _node(
            j,
            xs,
            v,
            selfin_j,
            gc,
            corder,
            nd,
            n_groups,
            min_group,
            digits,
            confidence if interval else None,
            out,
            n_out,
            ci,
        )
        if withheld is not None and withheld.any():
            hide = withheld[gc]
            for stat in _STATS:
                out[stat][j][hide] = np.nan
            n_out[j][hide] = 0
            if ci is not None:
                ci[0][j][hide] = np.nan
                ci[1][j][hide] = np.nan
    nan_view = np.broadcast_to(np.float64(np.nan), (n_c, k))

    def fin(a: Any) -> Any:
        t = a.T
        t.flags.writeable = False
        return t

    return Benchmark(
        ids=ids,
        nodes=nodes,
        **{s: fin(out[s]) for s in _STATS},
        n=fin(n_out),
        ci_low=fin(ci[0]) if ci is not None else nan_view,
        ci_high=fin(ci[1]) if ci is not None else nan_view,
        groups=groups,
        min_group=min_group,
        synthetic=bool(getattr(peers, "synthetic", False)),
        by=by_t,
        widen=widen_t,
        confidence=float(confidence) if interval else None,
        digits=digits,
        recorder=_Recorder(
            since,
            k_rel,
            by_t,
            nodes,
            peer_ids,
            p_all[:, pcols],
            fields,
            res,
            gc,
            n_out,
            min_group,
            eptr,
            elem_peer,
            published,
            fps,
        ),
    )


def _group_keys(fields: Sequence[Any], res: Any) -> list[str]:
    """A stable text per peer group: ``sector=28.41;size_class=small;region=*``."""
    out = []
    for drow, crow in zip(res.gdepth.tolist(), res.gcode.tolist(), strict=True):
        parts = [
            f"{f.name}={f.values[d][c] if d else '*'}"
            for f, d, c in zip(fields, drow, crow, strict=True)
        ]
        out.append(";".join(parts))
    return out


def _apply_release(
    since: Release,
    k_rel: int,
    node: str,
    col: Any,
    fps: list[str],
    group_keys: list[str],
    eptr: Any,
    elem_group: Any,
    elem_peer: Any,
    gc: Any,
    sidx: Any,
    selfin: Any,
    published: dict[int, dict[str, frozenset[str]]],
) -> tuple[Any, Any, Any, Any]:
    """The change rule at one node: the (group, peer) pairs left (newcomers waiting), the
    companies still members of their own group, and the groups withheld. Records, per group,
    the membership published at this node in ``published``.
    """
    present = ~np.isnan(col)
    n_groups = len(group_keys)
    withheld = np.zeros(n_groups + 1, bool)
    drop: list[Any] = []
    for g, key in enumerate(group_keys):
        old = since.membership(key, node)
        if old is None:
            continue
        members = elem_peer[eptr[g] : eptr[g + 1]]
        members = members[present[members]]
        decision, new = decide(old, (fps[p] for p in members.tolist()))
        action = decision.action(k_rel)
        if action == "withhold":
            withheld[g] = True
            published.setdefault(g, {})[node] = old
        elif action == "defer":
            waiting = [p for p in members.tolist() if fps[p] in new]
            drop.extend(np.int64(g) * len(fps) + p for p in waiting)
            published.setdefault(g, {})[node] = old & frozenset(fps[p] for p in members.tolist())
    if not drop:
        return elem_group, elem_peer, selfin, withheld
    dropped = np.sort(np.array(drop, dtype=np.int64))
    keys = elem_group * len(fps) + elem_peer
    pos = np.minimum(np.searchsorted(dropped, keys), len(dropped) - 1)
    keep = dropped[pos] != keys
    own = gc * len(fps) + sidx
    pos = np.minimum(np.searchsorted(dropped, own), len(dropped) - 1)
    selfin_j = selfin & (dropped[pos] != own)
    return elem_group[keep], elem_peer[keep], selfin_j, withheld


@dataclass(frozen=True)
class _Recorder:
    """Builds :meth:`Benchmark.release` on demand (fingerprints cost time; most runs never
    ask for them).
    """

    since: Release | None
    k: int
    by: tuple[str, ...]
    nodes: tuple[str, ...]
    peer_ids: Sequence[str]
    p_score: Any
    fields: Any
    res: Any
    gc: Any
    n_out: Any
    min_group: int
    eptr: Any
    elem_peer: Any
    published: dict[int, dict[str, frozenset[str]]]
    fps: list[str] | None

    def __call__(self, label: str | None = None) -> Release:
        from maturity.benchmarking.release import assemble

        since, nodes, gc, n_out, published = (
            self.since,
            self.nodes,
            self.gc,
            self.n_out,
            self.published,
        )
        fps = self.fps
        salt = since.salt if since is not None else new_salt()
        if fps is None:
            fps = fingerprints(salt, self.peer_ids, self.p_score)
        present = present_nodes(self.p_score, nodes)
        peers = dict(zip(fps, present, strict=True))
        keys = _group_keys(self.fields, self.res)
        n_groups = len(keys)
        out: dict[str, dict[str, frozenset[str]]] = {}
        for j, node in enumerate(nodes):
            shown = np.zeros(n_groups + 1, bool)
            shown[gc[n_out[j] >= self.min_group]] = True
            for g in np.flatnonzero(shown[:n_groups]).tolist():
                fixed = published.get(g, {}).get(node)
                if fixed is None:
                    mem = self.elem_peer[self.eptr[g] : self.eptr[g + 1]].tolist()
                    fixed = frozenset(fps[p] for p in mem if node in present[p])
                out.setdefault(keys[g], {})[node] = fixed
            for g, per_node in published.items():  # withheld groups keep their last state
                if node in per_node and not shown[g]:
                    out.setdefault(keys[g], {})[node] = per_node[node]
        return assemble("benchmark", salt, self.k, self.by, nodes, peers, out, since, label=label)
