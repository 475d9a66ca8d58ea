"""A readable report (HTML and Markdown) from a list of blocks.

The pipeline assembles the blocks (headings, paragraphs, tables, figures, quotes, file lists);
this module only renders them, so both files always say the same. Figures are referenced as
relative files next to the report (``<img src="matrix_role.png">``), so the folder can be zipped,
mailed or opened from disk as it is.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

CSS = """
body { font-family: -apple-system, "Segoe UI", Calibri, Arial, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1.2em; color: #1f2328; line-height: 1.45; }
h1 { font-size: 1.9em; border-bottom: 2px solid #1f4e79; padding-bottom: .2em; color: #1f4e79; }
h2 { font-size: 1.4em; margin-top: 2em; color: #1f4e79; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.1em; margin-top: 1.4em; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: .92em; }
th, td { border: 1px solid #d0d7de; padding: .25em .6em; vertical-align: top; }
th { background: #eef3f8; text-align: left; }
caption { text-align: left; font-weight: 600; padding: .3em 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0 1.6em; }
figure img { max-width: 100%; border: 1px solid #d0d7de; }
figcaption { font-size: .9em; color: #57606a; }
blockquote { margin: .6em 0 .9em; padding: .3em 1em; border-left: 4px solid #9ab8d6; background: #f6f8fa; }
blockquote .by { display: block; font-size: .88em; color: #57606a; margin-top: .2em; }
.note { color: #57606a; font-size: .92em; }
code { background: #f6f8fa; padding: 0 .25em; }
"""


@dataclass
class Block:
    kind: str                      # h1 h2 h3 p note table figure quote files code
    text: str = ""
    columns: Sequence[str] = ()
    rows: Sequence[Sequence[Any]] = ()
    src: str = ""
    by: str = ""
    items: Sequence[tuple[str, str]] = field(default_factory=list)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0")
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def render_html(title: str, blocks: list[Block], lang: str = "en") -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", f'<html lang="{e(lang)}">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{e(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>"]
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            anchor = "".join(c if c.isalnum() else "-" for c in b.text.lower()).strip("-")
            out.append(f'<{b.kind} id="{e(anchor)}">{e(b.text)}</{b.kind}>')
        elif b.kind == "p":
            out.append(f"<p>{e(b.text)}</p>")
        elif b.kind == "note":
            out.append(f'<p class="note">{e(b.text)}</p>')
        elif b.kind == "code":
            out.append(f"<pre><code>{e(b.text)}</code></pre>")
        elif b.kind == "table":
            out.append("<table>")
            if b.text:
                out.append(f"<caption>{e(b.text)}</caption>")
            out.append("<thead><tr>" + "".join(f"<th>{e(str(c))}</th>" for c in b.columns) + "</tr></thead>")
            out.append("<tbody>")
            for row in b.rows:
                cells = "".join(f'<td class="num">{e(_cell(v))}</td>' if _is_number(v) else f"<td>{e(_cell(v))}</td>"
                                for v in row)
                out.append(f"<tr>{cells}</tr>")
            out.append("</tbody></table>")
        elif b.kind == "figure":
            out.append(f'<figure><img src="{e(b.src)}" alt="{e(b.text)}">'
                       f"<figcaption>{e(b.text)}</figcaption></figure>")
        elif b.kind == "quote":
            out.append(f'<blockquote>“{e(b.text)}”<span class="by">— {e(b.by)}</span></blockquote>')
        elif b.kind == "files":
            out.append("<ul>" + "".join(f'<li><a href="{e(name)}">{e(name)}</a>: {e(desc)}</li>'
                                        for name, desc in b.items) + "</ul>")
        else:
            raise ValueError(b.kind)
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def _md_cell(value: Any) -> str:
    return _cell(value).replace("|", "\\|").replace("\n", " ")


def render_md(title: str, blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            out += ["#" * int(b.kind[1]) + " " + b.text, ""]
        elif b.kind in ("p", "note"):
            out += [f"_{b.text}_" if b.kind == "note" else b.text, ""]
        elif b.kind == "code":
            out += ["```", b.text, "```", ""]
        elif b.kind == "table":
            if b.text:
                out += [f"**{b.text}**", ""]
            out.append("| " + " | ".join(_md_cell(c) for c in b.columns) + " |")
            out.append("|" + "|".join("---:" if b.rows and _is_number(b.rows[0][i]) else "---"
                                      for i in range(len(b.columns))) + "|")
            out += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in b.rows]
            out.append("")
        elif b.kind == "figure":
            out += [f"![{b.text}]({b.src})", "", f"_{b.text}_", ""]
        elif b.kind == "quote":
            out += [f"> “{b.text}”", ">", f"> — {b.by}", ""]
        elif b.kind == "files":
            out += [f"- [{name}]({name}): {desc}" for name, desc in b.items] + [""]
        else:
            raise ValueError(b.kind)
    return "\n".join(out).rstrip() + "\n"


def write_report(folder: str | Path, title: str, blocks: list[Block], stem: str = "report",
                 lang: str = "en") -> list[Path]:
    folder = Path(folder)
    html_path, md_path = folder / f"{stem}.html", folder / f"{stem}.md"
    html_path.write_text(render_html(title, blocks, lang), encoding="utf-8")
    md_path.write_text(render_md(title, blocks), encoding="utf-8")
    return [html_path, md_path]
