"""Figures for reports: the matrix heatmap and the co-occurrence network (matplotlib, Agg).

Figures are drawn on a :class:`matplotlib.figure.Figure` with the Agg canvas, so nothing depends on
a display or on pyplot's global state."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from .wording import attribute_label

GRAPH_SUFFIXES = (".graphml", ".gexf", ".png")   # how write_graph writes a network, by file suffix

WORDS = {
    "da": {"segments": "segmenter", "participants": "deltagere", "sources": "kilder", "words": "ord",
           "by": "efter", "and": "og", "code": "kode", "row": "% af rækken", "col": "% af kolonnen",
           "total": "% af det hele", "cooccurrence": "Koder der optræder sammen"},
    "en": {"segments": "segments", "participants": "participants", "sources": "sources", "words": "words",
           "by": "by", "and": "and", "code": "code", "row": "% of row", "col": "% of column",
           "total": "% of all", "cooccurrence": "Codes that occur together"},
}


def words(language: str) -> dict[str, str]:
    return WORDS.get(language, WORDS["en"])


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=150)
    FigureCanvasAgg(fig)
    return fig


def matrix_title(frame: pd.DataFrame) -> str:
    w = words(frame.attrs.get("language", "en"))
    count = w.get(frame.attrs.get("count", "segments"), frame.attrs.get("count", ""))
    rows = frame.attrs.get("rows", frame.index.name)
    cols = frame.attrs.get("cols", [])
    language = frame.attrs.get("language", "en")
    dims = [w["code"] if d == "code" else attribute_label(language, d) for d in [rows, *cols]]
    title = f"{count.capitalize()} {w['by']} {dims[0]} {w['and']} {' / '.join(dims[1:])}"
    normalize = frame.attrs.get("normalize", "none")
    if normalize != "none":
        title += f" ({w[normalize]})"
    return title


def heatmap_png(frame: pd.DataFrame, path: str | Path, *, title: str | None = None) -> Path:
    """A heatmap of the matrix (Total column left out) with the count in every cell.

    Row labels are code labels in the matrix's language, indented by depth."""
    path = Path(path)
    data = frame.drop(columns=[c for c in frame.columns if c == "Total"]).to_numpy(dtype=float)
    depth = [frame.attrs.get("row_depth", {}).get(r, 1) for r in frame.index]
    row_labels = [textwrap.shorten(str(frame.attrs.get("row_labels", {}).get(r, r)), 48, placeholder="…")
                  for r in frame.index]
    col_labels = ["\n".join(textwrap.fill(part, 22, break_long_words=False)
                            for part in str(frame.attrs.get("col_labels", {}).get(c, c)).split(" / "))
                  for c in frame.columns if c != "Total"]
    n_rows, n_cols = max(data.shape[0], 1), max(data.shape[1], 1)
    longest = max([len(r) for r in row_labels] + [8])
    widest = max([len(line) for c in col_labels for line in c.split("\n")] + [4])
    width = min(2 + 0.09 * longest + max(0.9, 0.075 * widest) * n_cols, 30)
    height = min(1.8 + 0.42 * n_rows + 0.15 * max((c.count("\n") + 1) for c in col_labels or ["x"]), 40)
    fig = _figure(width, height)
    ax = fig.add_subplot(1, 1, 1)
    if data.size:
        ax.imshow(data, cmap="Blues", aspect="auto", vmin=0, vmax=max(float(data.max()), 1.0))
    ax.set_xticks(range(len(col_labels)), labels=col_labels, fontsize=8)
    ax.set_yticks(range(len(row_labels)), labels=row_labels, fontsize=8)
    ax.xaxis.tick_top()
    if n_cols > 8:
        for label in ax.get_xticklabels():
            label.set_rotation(45)
            label.set_ha("left")
    if len(set(depth)) > 1:  # themes in bold, their sub-codes plain
        for label, d in zip(ax.get_yticklabels(), depth):
            label.set_fontweight("bold" if d == min(depth) else "normal")
    top = float(data.max()) if data.size else 0
    percent = frame.attrs.get("normalize", "none") != "none"
    for (i, j), value in np.ndenumerate(data):
        text = f"{value:.1f}" if percent else f"{int(round(value))}"
        ax.text(j, i, text, ha="center", va="center", fontsize=8,
                color="white" if top and value > 0.6 * top else "black")
    ax.set_xticks(np.arange(-0.5, n_cols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, n_rows, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title or matrix_title(frame), fontsize=10, pad=12, loc="left")
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path


def network_png(g, path: str | Path, *, title: str | None = None) -> Path:
    """The co-occurrence network: node size by frequency, edge width by co-occurrence."""
    import networkx as nx

    path = Path(path)
    fig = _figure(9, 7)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_axis_off()
    if g.number_of_nodes():
        if g.number_of_nodes() <= 16:  # few themes: a circle reads best and keeps isolated codes in view
            pos = nx.circular_layout(sorted(g.nodes))
        else:
            pos = nx.spring_layout(g, seed=7, weight="weight", k=1.5 / math.sqrt(g.number_of_nodes()))
        freq = np.array([g.nodes[n].get("frequency", 1) for n in g.nodes], dtype=float)
        sizes = 300 + 2200 * freq / max(freq.max(), 1)
        weights = np.array([g.edges[e].get("weight", 1) for e in g.edges], dtype=float)
        widths = 1 + 7 * weights / max(weights.max(), 1) if len(weights) else []
        nx.draw_networkx_edges(g, pos, ax=ax, width=widths, edge_color="#6b8fb5", alpha=0.7)
        nx.draw_networkx_nodes(g, pos, ax=ax, node_size=sizes, node_color="#c6dbef", edgecolors="#2f6ea5")
        labels = {n: textwrap.fill(str(g.nodes[n].get("label", n)), 20, break_long_words=False)
                  + f"\n({g.nodes[n].get('frequency', '')})" for n in g.nodes}
        nx.draw_networkx_labels(g, pos, labels=labels, ax=ax, font_size=8)
        ax.margins(0.18)
        if g.number_of_edges() <= 40:
            nx.draw_networkx_edge_labels(g, pos, ax=ax, font_size=7,
                                         edge_labels={e: g.edges[e]["weight"] for e in g.edges})
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path


def write_graph(g, path: str | Path, *, title: str | None = None) -> Path:
    """Write the network as GraphML, GEXF or PNG, chosen by the file's suffix."""
    import networkx as nx

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in GRAPH_SUFFIXES:
        raise InputError(path, f"a graph is written as {', '.join(GRAPH_SUFFIXES)}, not '{suffix or '(none)'}'")
    if suffix == ".graphml":
        nx.write_graphml(g, path)
    elif suffix == ".gexf":
        nx.write_gexf(g, path)
    else:
        network_png(g, path, title=title)
    return path
