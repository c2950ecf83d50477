"""Tests of the report charts: geometry, SVG structure, reproducibility, PNG output."""

from __future__ import annotations

import math
import os
import re
import struct
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from maturity.report.charts import (
    DEFAULT_NAMES,
    BarDisplay,
    GaugeDisplay,
    RadarDisplay,
    figure_to_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

IMPULS = [
    "Strategia e organizzazione",
    "Fabbrica intelligente",
    "Operazioni intelligenti",
    "Prodotti intelligenti",
    "Servizi basati sui dati",
    "Persone e competenze",
]
IT_NAMES = {
    "company": "Azienda",
    "peer_median": "Mediana dei pari",
    "peer_iqr": "Intervallo interquartile dei pari",
    "target": "Obiettivo",
    "previous": "Valutazione precedente",
    "no_score": "nessun punteggio",
}


def labels_for(n: int) -> list[str]:
    if n == len(IMPULS):
        return IMPULS
    return [f"Dimensione numero {i + 1} della valutazione" for i in range(n)]


def values_for(n: int) -> list[float]:
    return [round(0.5 + (i * 0.73) % 4.4, 2) for i in range(n)]


def full_radar(n: int = 6, **kw: object) -> RadarDisplay:
    v = values_for(n)
    args: dict[str, object] = {
        "range": (0, 5),
        "peer_median": [min(5.0, x + 0.3) for x in v],
        "peer_q1": [max(0.0, x - 0.5) for x in v],
        "peer_q3": [min(5.0, x + 0.9) for x in v],
        "target": [4.0] * n,
        "previous": [max(0.0, x - 0.4) for x in v],
        "names": IT_NAMES,
        "title": "Profilo di maturità",
    }
    args.update(kw)
    return RadarDisplay(labels_for(n), v, **args)  # type: ignore[arg-type]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def group(root: ET.Element, gid: str) -> ET.Element:
    found = root.find(f".//{SVG}g[@id='{gid}']")
    assert found is not None, f"no <g id={gid!r}>"
    return found


def texts(elem: ET.Element) -> list[str]:
    return [t.text or "" for t in elem.iter(f"{SVG}text")]


def series_line(ax, gid: str):  # type: ignore[no-untyped-def]
    (line,) = [ln for ln in ax.lines if ln.get_gid() == gid]
    return line


def path_points(d: str) -> list[tuple[str, float, float]]:
    """The (command, x, y) of an SVG path made of M and L commands only."""
    return [
        (c, float(x), float(y)) for c, x, y in re.findall(r"([ML])\s*([-\d.e]+)\s+([-\d.e]+)", d)
    ]


# ------------------------------------------------------------------------------------- import


def test_import_does_not_import_matplotlib() -> None:
    code = 'import maturity.report.charts, sys; assert "matplotlib" not in sys.modules'
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------------------- radar geometry


@pytest.mark.parametrize("n", [3, 6, 16])
def test_radar_company_polygon_has_one_vertex_per_axis_at_the_value(n: int) -> None:
    radar = full_radar(n)
    ax = radar.plot()
    theta, r = (np.asarray(a, dtype=float) for a in series_line(ax, "company").get_data())
    # closed polygon: n vertices plus the first one again
    assert len(r) == n + 1
    np.testing.assert_allclose(r[:n], values_for(n))
    assert r[n] == r[0] and theta[n] == theta[0]
    np.testing.assert_allclose(theta[:n], 2 * np.pi * np.arange(n) / n)
    # fixed radial limits, whatever the data
    assert ax.get_ylim() == (0.0, 5.0)
    assert ax.name == "polar"


@pytest.mark.parametrize("n", [3, 6, 16])
def test_radar_svg_has_n_axis_labels_as_text_and_n_company_vertices(n: int) -> None:
    radar = full_radar(n)
    root = parse(radar.to_svg(id_prefix="r"))
    for i, label in enumerate(labels_for(n)):
        drawn = " ".join(texts(group(root, f"r-axis-label-{i}")))
        assert drawn.split() == label.split()
    assert root.find(f".//{SVG}g[@id='r-axis-label-{n}']") is None

    company = group(root, "r-company")
    (line,) = [p for p in company.findall(f"{SVG}path") if "stroke" in p.get("style", "")]
    points = path_points(line.get("d", ""))
    assert len(points) == n + 1  # closed: back to the first vertex
    assert points[0][1:] == pytest.approx(points[-1][1:])
    assert len({(round(x, 3), round(y, 3)) for _, x, y in points}) == n
    assert len(company.findall(f"{SVG}g/{SVG}use")) == n  # one marker per vertex


def test_radar_svg_vertices_are_at_the_values_in_page_coordinates() -> None:
    """Independent check of geometry: distance from the centre ∝ value - low end of range."""
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 2.5]
    radar = RadarDisplay(IMPULS, values, range=(0, 5))
    root = parse(radar.to_svg(id_prefix="g"))
    (line,) = [
        p for p in group(root, "g-company").findall(f"{SVG}path") if "stroke" in p.get("style", "")
    ]
    pts = np.array([(x, y) for _, x, y in path_points(line.get("d", ""))[:6]])
    # axis 0 is at the top and axis 3 at the bottom: the centre lies between them on x
    cx = pts[0, 0]
    assert pts[3, 0] == pytest.approx(cx, abs=1e-3)
    top, bottom = pts[0, 1], pts[3, 1]
    cy = (top * 4.0 + bottom * 1.0) / 5.0  # r0 = 1 above, r3 = 4 below the centre
    radii = np.hypot(pts[:, 0] - cx, pts[:, 1] - cy)
    np.testing.assert_allclose(radii / radii[0], np.array(values) / values[0], rtol=1e-4)


def test_radar_grid_is_labelled_once_per_level() -> None:
    ax = RadarDisplay(IMPULS, values_for(6), range=(0, 5)).plot()
    grid_labels = [t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("grid-label")]
    assert grid_labels == ["1", "2", "3", "4", "5"]
    grids = [ln for ln in ax.lines if (ln.get_gid() or "").startswith("grid-")]
    assert [float(np.asarray(ln.get_ydata())[0]) for ln in grids] == [1, 2, 3, 4, 5]


def test_radar_long_labels_are_wrapped() -> None:
    label = "Sicurezza informatica e protezione dei dati aziendali"
    ax = RadarDisplay([label, "B", "C"], [1, 2, 3], range=(0, 5)).plot()
    (text,) = [t for t in ax.texts if t.get_gid() == "axis-label-0"]
    lines = text.get_text().split("\n")
    assert len(lines) > 1 and all(len(s) <= 18 for s in lines)
    assert " ".join(lines) == label


# ------------------------------------------------------------------------ radar: peers, NaN, style


def test_peer_band_present_only_with_quartiles() -> None:
    without = RadarDisplay(IMPULS, values_for(6), range=(0, 5), peer_median=[2.0] * 6)
    assert not [p for p in without.plot().patches if p.get_gid() == "peer_iqr"]
    assert 'id="a-peer_iqr"' not in without.to_svg(id_prefix="a")
    assert 'id="a-peer_median"' in without.to_svg(id_prefix="a")

    q1, q3 = [1.0, 1.5, 2.0, 1.0, 0.5, 2.0], [3.0, 3.5, 3.0, 2.5, 2.0, 4.0]
    with_band = RadarDisplay(IMPULS, values_for(6), range=(0, 5), peer_q1=q1, peer_q3=q3)
    (band,) = [p for p in with_band.plot().patches if p.get_gid() == "peer_iqr"]
    assert band.get_hatch()  # greyscale: hatched as well as tinted
    radii = band.get_path().vertices[:, 1]
    assert radii.min() == pytest.approx(min(q1)) and radii.max() == pytest.approx(max(q3))
    assert 'id="b-peer_iqr"' in with_band.to_svg(id_prefix="b")


def test_peer_quartiles_must_come_together_and_be_ordered() -> None:
    with pytest.raises(ValueError, match="together"):
        RadarDisplay(IMPULS, values_for(6), range=(0, 5), peer_q1=[1.0] * 6)
    with pytest.raises(ValueError, match="exceed"):
        RadarDisplay(IMPULS, values_for(6), range=(0, 5), peer_q1=[3.0] * 6, peer_q3=[2.0] * 6)


def test_nan_values_are_gaps_not_zeros() -> None:
    values = [2.0, math.nan, 3.0, None, 4.0, 1.0]
    radar = RadarDisplay(IMPULS, values, range=(0, 5), names={"no_score": "nessun punteggio"})  # type: ignore[list-item]
    ax = radar.plot()
    r = np.asarray(series_line(ax, "company").get_ydata(), dtype=float)
    assert np.isnan(r[1]) and np.isnan(r[3])
    assert np.nanmin(r) == 1.0  # nothing drawn at the centre
    assert not [p for p in ax.patches if p.get_gid() == "company-fill"]  # no misleading fill
    noted = {t.get_gid(): t.get_text() for t in ax.texts}
    assert "nessun punteggio" in noted["axis-label-1"]
    assert "nessun punteggio" in noted["axis-label-3"]
    assert "nessun punteggio" not in noted["axis-label-0"]

    root = parse(radar.to_svg(id_prefix="n"))
    (line,) = [
        p for p in group(root, "n-company").findall(f"{SVG}path") if "stroke" in p.get("style", "")
    ]
    points = path_points(line.get("d", ""))
    assert [c for c, _, _ in points].count("M") >= 2  # the polygon is broken at the gaps
    assert len(group(root, "n-company").findall(f"{SVG}g/{SVG}use")) == 4  # markers: scores only
    assert "nessun punteggio" in " ".join(texts(group(root, "n-axis-label-1")))


def test_series_are_distinct_in_greyscale() -> None:
    ax = full_radar(6).plot()
    lines = [series_line(ax, k) for k in ("company", "peer_median", "target", "previous")]
    assert len({ln.get_linestyle() for ln in lines}) == 4
    assert len({ln.get_marker() for ln in lines}) == 4
    assert len({ln.get_color() for ln in lines}) == 4


def test_legend_uses_the_given_names_in_a_fixed_order() -> None:
    ax = full_radar(6).plot()
    (legend,) = ax.figure.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "Azienda",
        "Mediana dei pari",
        "Intervallo interquartile dei pari",
        "Obiettivo",
        "Valutazione precedente",
    ]
    default = RadarDisplay(IMPULS, values_for(6), range=(0, 5), peer_median=[2.0] * 6).plot()
    (legend,) = default.figure.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        DEFAULT_NAMES["company"],
        DEFAULT_NAMES["peer_median"],
    ]


def test_radar_on_a_given_polar_axes() -> None:
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot(projection="polar")
    assert full_radar(6).plot(ax) is ax
    assert series_line(ax, "company") is not None
    with pytest.raises(ValueError, match="polar"):
        full_radar(6).plot(Figure().add_subplot())


def test_radar_title_on_a_given_axes_clears_the_top_label() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 5))
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot(projection="polar")
    RadarDisplay(IMPULS, values_for(6), range=(0, 5), title="Profilo").plot(ax)
    canvas.draw()
    renderer = canvas.get_renderer()
    by_gid = {t.get_gid(): t.get_window_extent(renderer) for t in ax.texts}
    assert by_gid["title"].y0 > by_gid["axis-label-0"].y1


@pytest.mark.parametrize("n", [0, 1, 2])
def test_radar_needs_three_axes(n: int) -> None:
    with pytest.raises(ValueError, match="at least 3"):
        RadarDisplay(IMPULS[:n], [1.0] * n, range=(0, 5))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"values": [1.0] * 5}, "5 values for 6 labels"),
        ({"values": [1, 2, 3, 4, 5, 6]}, "outside the range"),
        ({"values": [1, 2, 3, 4, 5, math.inf]}, "outside the range"),
        ({"range": (5, 0)}, "low < high"),
        ({"names": {"compnay": "x"}}, "unknown names"),
        ({"target": [1.0] * 7}, "7 values"),
    ],
)
def test_radar_rejects_bad_input(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {"values": values_for(6), "range": (0, 5), **kwargs}
    values = args.pop("values")
    with pytest.raises(ValueError, match=match):
        RadarDisplay(IMPULS, values, **args)  # type: ignore[arg-type]


def test_displays_are_frozen_and_hold_tuples() -> None:
    radar = RadarDisplay(list(IMPULS), [1, 2, 3, 4, 5, 0], range=(0, 5))
    assert radar.labels == tuple(IMPULS) and radar.values == (1.0, 2.0, 3.0, 4.0, 5.0, 0.0)
    with pytest.raises(AttributeError):
        radar.title = "x"  # type: ignore[misc]
    assert hash(radar) == hash(RadarDisplay(IMPULS, [1, 2, 3, 4, 5, 0], range=(0, 5)))


# ------------------------------------------------------------------------------------ SVG output


def test_svg_is_inline_ready_and_accessible() -> None:
    svg = full_radar(6, title="Profilo <A&B>").to_svg(id_prefix="radar1")
    assert svg.startswith("<svg") and "<?xml" not in svg and "DOCTYPE" not in svg
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("id") == "radar1" and root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Profilo <A&B>"
    assert root.get("aria-labelledby") == title.get("id")
    assert root.find(f".//{SVG}metadata") is None  # no date, no creator
    # matplotlib's global "*{...}" style is scoped to this chart
    (style,) = [s.text or "" for s in root.iter(f"{SVG}style")]
    assert style.startswith("#radar1 *{")


def test_svg_title_defaults_to_a_description() -> None:
    radar = RadarDisplay(["A", "B", "C"], [1.0, math.nan, 2.5], range=(0, 5))
    title = parse(radar.to_svg(id_prefix="d")).find(f"{SVG}title")
    assert title is not None and title.text == "Company: A 1.0; B no score; C 2.5"


def test_svg_keeps_text_as_text() -> None:
    svg = full_radar(6).to_svg(id_prefix="t")
    all_text = " ".join(texts(parse(svg)))
    for word in ("Strategia", "Persone", "Azienda", "Profilo"):
        assert word in all_text
    assert "DejaVuSans-" not in svg  # no glyphs drawn as paths


def test_svg_is_byte_identical_across_calls() -> None:
    assert full_radar(6).to_svg(id_prefix="x") == full_radar(6).to_svg(id_prefix="x")
    assert full_radar(6).to_svg() == full_radar(6).to_svg()  # default prefix: from the data
    bars = BarDisplay(IMPULS, values_for(6), range=(0, 5), peer_median=[2.0] * 6)
    assert bars.to_svg() == bars.to_svg()
    gauge = GaugeDisplay(2.4, range=(0, 5), levels=[(0, "Basso"), (2.5, "Alto")])
    assert gauge.to_svg() == gauge.to_svg()


def test_svg_is_byte_identical_across_processes() -> None:
    code = textwrap.dedent(
        """
        import sys
        from tests.test_charts import full_radar
        sys.stdout.write(full_radar(16).to_svg(id_prefix="p"))
        """
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    root_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=root_dir,
    ).stdout
    assert out == full_radar(16).to_svg(id_prefix="p")


def test_two_prefixes_give_disjoint_ids_and_local_references() -> None:
    page = [full_radar(6).to_svg(id_prefix="radar1"), full_radar(6).to_svg(id_prefix="radar2")]
    all_ids: list[str] = []
    for prefix, svg in zip(("radar1", "radar2"), page, strict=True):
        ids = re.findall(r'\sid="([^"]*)"', svg)
        assert len(ids) == len(set(ids)), "duplicate id inside one chart"
        assert all(i == prefix or i.startswith(prefix + "-") for i in ids)
        refs = re.findall(r'href="#([^"]*)"', svg) + re.findall(r"url\(#([^)]*)\)", svg)
        assert refs and set(refs) <= set(ids), "a reference points outside its chart"
        all_ids += ids
    assert len(all_ids) == len(set(all_ids))


def test_svg_rejects_a_bad_prefix() -> None:
    with pytest.raises(ValueError, match="id_prefix"):
        full_radar(6).to_svg(id_prefix="1 bad")


def test_figure_to_svg_numbers_repeated_ids() -> None:
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], gid="same")
    ax.plot([0, 1], [1, 0], gid="same")
    ids = re.findall(r'\sid="([^"]*)"', figure_to_svg(fig, id_prefix="f", title="t"))
    assert "f-same" in ids and "f-same-2" in ids and len(ids) == len(set(ids))


def test_rendering_from_threads_gives_the_same_bytes() -> None:
    radars = [full_radar(n) for n in (3, 6, 16, 6, 3, 16)]
    serial = [r.to_svg(id_prefix="c") for r in radars]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda r: r.to_svg(id_prefix="c"), radars))
    assert parallel == serial


# ------------------------------------------------------------------------------------ PNG output


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("dpi", [100, 150])
def test_png_signature_and_size(dpi: int) -> None:
    radar = full_radar(6)
    assert png_size(radar.to_png(dpi=dpi)) == (round(6.3 * dpi), round(5.2 * dpi))
    bars = BarDisplay(IMPULS, values_for(6), range=(0, 5))
    w, h = bars.figsize
    assert png_size(bars.to_png(dpi=dpi)) == (round(w * dpi), round(h * dpi))
    gauge = GaugeDisplay(3.0, range=(0, 5), levels=[(0, "Basso"), (2.5, "Alto")])
    w, h = gauge.figsize
    assert png_size(gauge.to_png(dpi=dpi)) == (round(w * dpi), round(h * dpi))


def test_png_is_reproducible() -> None:
    assert full_radar(6).to_png(dpi=72) == full_radar(6).to_png(dpi=72)


# ------------------------------------------------------------------------------------------ bars


def test_bars_lengths_markers_and_missing_values() -> None:
    labels = ["Visione e roadmap digitale per l'Industria 4.0", "Investimenti", "Innovazione"]
    bars = BarDisplay(
        labels,
        [3.2, math.nan, 4.0],
        range=(1, 5),
        peer_median=[2.8, 2.0, math.nan],
        target=[4.0, 3.5, 4.5],
        names=IT_NAMES,
        decimal=",",
    )
    ax = bars.plot()
    drawn = {p.get_gid(): p for p in ax.patches if (p.get_gid() or "").startswith("bar-")}
    assert set(drawn) == {"bar-0", "bar-2"}  # no bar for the missing value
    assert drawn["bar-0"].get_x() == 1.0 and drawn["bar-0"].get_width() == pytest.approx(2.2)
    assert drawn["bar-2"].get_width() == pytest.approx(3.0)
    values = {t.get_gid(): t.get_text() for t in ax.texts}
    assert values == {"value-0": "3,2", "value-1": "–", "value-2": "4,0"}
    np.testing.assert_array_equal(series_line(ax, "target").get_xdata(), [4.0, 3.5, 4.5])
    assert series_line(ax, "peer_median").get_marker() != series_line(ax, "target").get_marker()
    ticklabels = [t.get_text() for t in ax.get_yticklabels()]
    assert ticklabels[0] == "Visione e roadmap digitale\nper l'Industria 4.0"
    assert ax.get_xlim() == (1.0, 5.0)
    (legend,) = ax.figure.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "Azienda",
        "Mediana dei pari",
        "Obiettivo",
    ]

    root = parse(bars.to_svg(id_prefix="bars1"))
    assert texts(group(root, "bars1-value-1")) == ["–"]
    assert root.find(f".//{SVG}g[@id='bars1-bar-1']") is None
    assert root.find(f".//{SVG}g[@id='bars1-bar-0']") is not None


def test_bars_height_grows_with_the_labels() -> None:
    few = BarDisplay(["A", "B"], [1, 2], range=(0, 5)).figsize
    many = BarDisplay([f"L{i}" for i in range(12)], [1] * 12, range=(0, 5)).figsize
    assert few[0] == many[0] == 6.3 and many[1] > few[1]


def test_bars_need_a_label() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        BarDisplay([], [], range=(0, 5))


# ----------------------------------------------------------------------------------------- gauge


LEVELS = [
    (0, "Outsider"),
    (1, "Principiante"),
    (2, "Intermedio"),
    (3, "Esperto"),
    (4, "Eccellenza"),
]


def test_gauge_marks_and_prints_the_value() -> None:
    gauge = GaugeDisplay(2.45, range=(0, 5), levels=LEVELS, decimal=",")
    assert gauge.level == "Intermedio"
    ax = gauge.plot()
    (pointer,) = [p for p in ax.patches if p.get_gid() == "marker"]
    tip = pointer.get_xy()[2]
    assert tip[0] == pytest.approx(2.45)
    bands = sorted(
        (p for p in ax.patches if (p.get_gid() or "").startswith("level-")),
        key=lambda p: p.get_x(),
    )
    assert [(p.get_x(), p.get_x() + p.get_width()) for p in bands] == [
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 4),
        (4, 5),
    ]
    shown = {t.get_gid(): t for t in ax.texts}
    assert shown["value"].get_text() == "2,5"
    assert shown["level-label-2"].get_fontweight() == "bold"
    assert shown["level-label-1"].get_fontweight() == "normal"
    root = parse(gauge.to_svg(id_prefix="g1"))
    assert texts(group(root, "g1-value")) == ["2,5"]
    assert [" ".join(texts(group(root, f"g1-level-label-{i}"))) for i in range(5)] == [
        name for _, name in LEVELS
    ]


def test_gauge_without_score() -> None:
    gauge = GaugeDisplay(math.nan, range=(0, 5), levels=LEVELS, names=IT_NAMES)
    assert gauge.level is None
    ax = gauge.plot()
    assert not [p for p in ax.patches if (p.get_gid() or "").startswith("marker")]
    assert {t.get_gid(): t.get_text() for t in ax.texts}["value"] == "nessun punteggio"
    title = parse(gauge.to_svg(id_prefix="g")).find(f"{SVG}title")
    assert title is not None and title.text == "nessun punteggio"


@pytest.mark.parametrize(
    ("value", "levels", "match"),
    [
        (6.0, LEVELS, "outside the range"),
        (2.0, [], "at least one level"),
        (2.0, [(0, "a"), (0, "b")], "increase"),
        (2.0, [(0, "a"), (5, "b")], r"lie in"),
        (2.0, [(-1, "a")], r"lie in"),
    ],
)
def test_gauge_rejects_bad_input(value: float, levels: list[tuple[float, str]], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        GaugeDisplay(value, range=(0, 5), levels=levels)


def test_radar_says_not_applicable_apart_from_no_score() -> None:
    radar = RadarDisplay(
        ["A", "B", "C", "D"],
        [2.0, float("nan"), float("nan"), 3.0],
        range=(0, 5),
        not_applicable=[False, True, False, False],
        names={"not_applicable": "non applicabile", "no_score": "nessun punteggio"},
    )
    assert radar.describe() == "Company: A 2.0; B non applicabile; C nessun punteggio; D 3.0"
    svg = radar.to_svg(id_prefix="r")
    assert "(non applicabile)" in svg and "(nessun punteggio)" in svg
    with pytest.raises(ValueError, match="not_applicable has 2 values for 4 labels"):
        RadarDisplay(["A", "B", "C", "D"], [1, 2, 3, 4], range=(0, 5), not_applicable=[True, False])


def test_chart_numbers_round_half_away_from_zero() -> None:
    # 1.25 and 0.05 are halves: Python's format gives 1.2 and 0.1 (binary), a reader 1.3 and 0.1
    radar = RadarDisplay(["A", "B", "C"], [1.25, 0.05, 2.35], range=(0, 5), decimal=",")
    assert radar.describe() == "Company: A 1,3; B 0,1; C 2,4"
