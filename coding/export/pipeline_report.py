"""The files the pipeline writes after auto-coding, and the report that ties them together.

Every number comes from the analysis API (:meth:`coding.Project.matrix`, ``cooccurrence``,
``quotes``, ``segments``) and every document from the report writers, so the folder says the same
as the commands would (``coding matrix ...``, ``coding export framework ...``).
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..ordering import natural_key
from ..records import INTERVIEWER_ROLE
from .beside import beside
from .report import Block, write_report
from .tables import write_csv, write_xlsx

CASE_ATTRIBUTE = "municipality"

WORDS = {
    "da": {
        "title": "Kodningsrapport: {name}",
        "made": "Lavet af coding pipeline den {date} ud fra {input} med kodebogen {codebook}{manifest}. "
                "Kodningerne er automatiske (kodebogens regler): et første gennemløb, som skal efterses, "
                "ikke en færdig analyse. Alle tabeller og figurer findes også som filer i denne mappe.",
        "with_manifest": " og deltagerlisten {manifest}",
        "what": "Hvad er kodet",
        "what_text": "{sources} interviews med {turns} ture; {people} deltagere (interviewere ikke "
                     "medregnet); {codings} automatiske kodninger i {segments} segmenter.",
        "sources": "Interviews",
        "source": "Interview", "format": "Format", "language": "Sprog", "type": "Type", "turns": "Ture",
        "codings": "Kodninger",
        "people": "Deltagere efter rolle og kommune",
        "role": "Rolle", "total": "I alt", "municipality": "Kommune",
        "themes": "Kodninger pr. tema",
        "theme": "Tema", "code": "Kode", "segments": "Segmenter", "participants": "Deltagere",
        "interviews": "Interviews",
        "by_role": "Temaer efter rolle",
        "by_municipality": "Temaer efter kommune",
        "matrix_note": "Antal segmenter; et overordnet tema tæller sine undertemaers segmenter én gang. "
                       "Total er ikke summen af rækken: et segment, der spænder over to roller, tælles én gang.",
        "heatmap": "Varmekort: {title}",
        "cooccurrence": "Temaer der optræder sammen",
        "cooccurrence_note": "To temaer optræder sammen, når de er kodet i den samme tur. Knudens størrelse "
                             "viser, hvor ofte temaet forekommer, stregens tykkelse hvor ofte de to optræder sammen.",
        "pair_a": "Tema", "pair_b": "Tema", "count": "Ture med begge", "jaccard": "Jaccard",
        "network": "Netværk af temaer, der optræder i samme tur",
        "quotes": "Citater pr. tema",
        "quotes_note": "Fra hver kommune det citat, som temaets egne regler (eller en kodning i hånden) "
                       "holder stærkest, i hele sætninger; en sætning står kun under ét tema. Automatisk "
                       "udvalgt (se hvorfor med coding quotes --explain); tjek dem mod interviewet før brug.",
        "documents": "Rammematrix og casehistorier",
        "documents_text": "framework.docx og framework.xlsx viser kommunerne ned ad siden og temaerne hen ad, "
                          "med antal, deltagere og op til tre citater i hver celle. Skriv analytikerens "
                          "opsummeringer i de gule celler i framework.xlsx, og læs dem ind igen; "
                          "appendix.docx er casehistorierne med et kapitel pr. kommune.",
        "files": "Filer",
        "no_municipality": "Deltagerlisten angiver ingen kommune (kolonnen municipality), så der er ingen "
                           "tabel efter kommune; rammematrix og casehistorier er pr. interview.",
        "f_matrix_role": "temaer x rolle (segmenter)", "f_matrix_municipality": "temaer x kommune (segmenter)",
        "f_heatmap": "varmekort", "f_graph": "netværk af temaer (GraphML, til Gephi eller yEd)",
        "f_network": "netværk af temaer (figur)",
        "f_framework_docx": "rammematrix til rapporten (Word, liggende)",
        "f_framework_xlsx": "rammematrix med felter til opsummeringer (Excel)",
        "f_appendix": "casehistorier (Word)", "f_report": "denne rapport", "f_db": "projektet: arbejd videre med "
        "coding --project {db} ...",
    },
    "en": {
        "title": "Coding report: {name}",
        "made": "Made by coding pipeline on {date} from {input} with the codebook {codebook}{manifest}. "
                "The codings are automatic (the codebook's rules): a first pass to be checked, not a finished "
                "analysis. Every table and figure is also a file in this folder.",
        "with_manifest": " and the participant list {manifest}",
        "what": "What was coded",
        "what_text": "{sources} interviews with {turns} turns; {people} participants (interviewers not "
                     "counted); {codings} automatic codings in {segments} segments.",
        "sources": "Interviews",
        "source": "Interview", "format": "Format", "language": "Language", "type": "Type", "turns": "Turns",
        "codings": "Codings",
        "people": "Participants by role and municipality",
        "role": "Role", "total": "Total", "municipality": "Municipality",
        "themes": "Codings per theme",
        "theme": "Theme", "code": "Code", "segments": "Segments", "participants": "Participants",
        "interviews": "Interviews",
        "by_role": "Themes by role",
        "by_municipality": "Themes by municipality",
        "matrix_note": "Number of segments; a parent theme counts the segments of its sub-themes once. "
                       "Total is not the row's sum: a segment spanning two roles counts once.",
        "heatmap": "Heatmap: {title}",
        "cooccurrence": "Themes that occur together",
        "cooccurrence_note": "Two themes occur together when they are coded in the same turn. Node size shows "
                             "how often a theme occurs, line width how often the two occur together.",
        "pair_a": "Theme", "pair_b": "Theme", "count": "Turns with both", "jaccard": "Jaccard",
        "network": "Network of themes that occur in the same turn",
        "quotes": "Quotes per theme",
        "quotes_note": "From each municipality the quote that the theme's own rules (or a coding by hand) "
                       "hold most strongly, in whole sentences; a sentence stands under one theme only. Picked "
                       "automatically (see why with coding quotes --explain); check them against the interview "
                       "before use.",
        "documents": "Framework matrix and case histories",
        "documents_text": "framework.docx and framework.xlsx show municipalities down and themes across, with "
                          "counts, participants and up to three quotes per cell. Write the analyst's summaries in "
                          "the yellow cells of framework.xlsx and read them back; appendix.docx holds the case "
                          "histories, one chapter per municipality.",
        "files": "Files",
        "no_municipality": "The participant list gives no municipality (column municipality), so there is no "
                           "table by municipality; the framework matrix and case histories are per interview.",
        "f_matrix_role": "themes x role (segments)", "f_matrix_municipality": "themes x municipality (segments)",
        "f_heatmap": "heatmap", "f_graph": "network of themes (GraphML, for Gephi or yEd)",
        "f_network": "network of themes (figure)",
        "f_framework_docx": "framework matrix for the report (Word, landscape)",
        "f_framework_xlsx": "framework matrix with cells for summaries (Excel)",
        "f_appendix": "case histories (Word)", "f_report": "this report",
        "f_db": "the project: go on with coding --project {db} ...",
    },
}


def _matrix_files(frame, folder: Path, dim: str, w: dict, blocks: list[Block], files: list[tuple[str, str]],
                  heading: str) -> None:
    """The matrix's .csv and .xlsx and its table in the report (its heatmap: :func:`_draw_figures`)."""
    from ..analysis.matrix import matrix_rows
    from .plots import matrix_title

    records, columns = matrix_rows(frame, for_people=True)
    stem = f"matrix_{dim}"
    write_csv(folder / f"{stem}.csv", records, columns)
    write_xlsx(records, folder / f"{stem}.xlsx", columns, sheet="matrix")
    labels = frame.attrs.get("row_labels", {})
    depth = frame.attrs.get("row_depth", {})
    rows = []
    counted = [c for c in columns[1:] if c != "label"]
    for record in records:
        code = record[columns[0]]
        rows.append(["\u2003" * (depth.get(code, 1) - 1) + str(labels.get(code, code))]
                    + [record[c] for c in counted])
    blocks += [Block("h2", heading), Block("note", w["matrix_note"]),
               Block("table", columns=[w["theme"], *counted], rows=rows),
               Block("figure", w["heatmap"].format(title=matrix_title(frame)), src=f"{stem}.png")]
    files += [(f"{stem}.csv", w[f"f_{stem}"]), (f"{stem}.xlsx", w[f"f_{stem}"]), (f"{stem}.png", w["f_heatmap"])]


def _draw_figures(folder: Path, frames: dict, network, language: str) -> None:
    """The heatmaps of the matrices and the picture of the network (matplotlib is loaded here)."""
    from .plots import heatmap_png, write_graph
    from .plots import words as plot_words

    for dim, frame in frames.items():
        heatmap_png(frame, folder / f"matrix_{dim}.png")
    write_graph(network, folder / "cooccurrence.png", title=plot_words(language)["cooccurrence"])


def decimal(value: float, language: str, places: int = 2) -> str:
    """A number as the report's language writes it: "0,17" in Danish, "0.17" in English."""
    text = f"{value:.{places}f}"
    return text.replace(".", ",") if language == "da" else text


def write_all(project, folder: Path, *, say: Callable[[int, int, str], None], steps: int, first_step: int,
              result, input: Path, codebook: Path, manifest: Path | None, language: str | None = None,
              out: Path | None = None) -> None:
    """Write the matrices, network, framework, appendix and report into ``folder``; ``out`` is the
    folder the report names (default ``result.out``; anonymized, as a folder name may name a place)."""
    from ..analysis.cases import project_language

    store = project.store
    language = language or project_language(store)
    w = WORDS.get(language, WORDS["en"])
    attributes = set(store.attribute_names())
    has_place = CASE_ATTRIBUTE in attributes
    case_by = CASE_ATTRIBUTE if has_place else "source"
    from ..analysis.cooccurrence import graph

    # the figures' numbers first: the figures are drawn beside everything else (a second process)
    frames = {dim: project.matrix("code", [dim], count="segments", language=language)
              for dim in ("role", *([CASE_ATTRIBUTE] if has_place else []))}
    pairs = project.cooccurrence(unit="turn", level=1, language=language)
    network = graph(pairs)
    with beside(lambda: _draw_figures(folder, frames, network, language)):
        _write_all(project, folder, say=say, steps=steps, first_step=first_step, result=result, input=input,
                   codebook=codebook, manifest=manifest, language=language, out=out, w=w, attributes=attributes,
                   has_place=has_place, case_by=case_by, frames=frames, pairs=pairs, network=network)


def _write_all(project, folder: Path, *, say, steps: int, first_step: int, result, input: Path, codebook: Path,
               manifest: Path | None, language: str, out: Path | None, w: dict, attributes: set, has_place: bool,
               case_by: str, frames: dict, pairs, network) -> None:
    store = project.store
    blocks: list[Block] = []
    files: list[tuple[str, str]] = []
    n = first_step

    # ---------------------------------------------------------------- what was coded
    sources = project.sources()
    participants = [p for p in project.participants() if p.get("role") != INTERVIEWER_ROLE]
    manifest_text = w["with_manifest"].format(manifest=manifest) if manifest else ""
    title = w["title"].format(name=input.name or str(input))
    blocks += [Block("h1", title),
               Block("note", w["made"].format(date=_dt.date.today().isoformat(), input=input, codebook=codebook,
                                             manifest=manifest_text)),
               Block("h2", w["what"]),
               Block("p", w["what_text"].format(sources=len(sources), turns=sum(s["turns"] for s in sources),
                                                people=len(participants),
                                                codings=store.coding_total("auto"),
                                                segments=project.count_segments()))]
    blocks.append(Block("table", w["sources"], columns=[w["source"], w["format"], w["language"],
                                                       *( [w["type"]] if "interview_type" in attributes else []),
                                                       *([w["municipality"]] if has_place else []),
                                                       w["turns"], w["codings"]],
                        rows=[[s["name"], s["format"], s["language"],
                               *([s.get("interview_type", "")] if "interview_type" in attributes else []),
                               *([s.get(CASE_ATTRIBUTE, "")] if has_place else []),
                               s["turns"], s["codings"]] for s in sources]))
    places = sorted({p.get(CASE_ATTRIBUTE, "") for p in participants if p.get(CASE_ATTRIBUTE)}, key=natural_key)
    roles = sorted({p.get("role") or "?" for p in participants}, key=natural_key)
    rows = []
    for role in roles:
        mine = [p for p in participants if (p.get("role") or "?") == role]
        rows.append([role, *[sum(1 for p in mine if p.get(CASE_ATTRIBUTE) == place) for place in places], len(mine)])
    rows.append([w["total"], *[sum(1 for p in participants if p.get(CASE_ATTRIBUTE) == place) for place in places],
                 len(participants)])
    blocks.append(Block("table", w["people"], columns=[w["role"], *places, w["total"]], rows=rows))

    # codings per theme: one matrix per count, the Total column of each
    by_count = {count: project.matrix("code", ["role"], count=count, level=1, language=language)
                for count in ("segments", "participants", "sources")}
    frame = by_count["segments"]
    labels = frame.attrs.get("row_labels", {})
    blocks.append(Block("table", w["themes"], columns=[w["theme"], w["code"], w["segments"], w["participants"],
                                                      w["interviews"]],
                        rows=[[labels.get(code, code), code, int(frame.at[code, "Total"]),
                               int(by_count["participants"].at[code, "Total"]),
                               int(by_count["sources"].at[code, "Total"])] for code in frame.index]))

    # ---------------------------------------------------------------- matrices
    say(n, steps, "matrices by role" + (" and municipality" if has_place else
                                        " (no municipality in the manifest: none by municipality)")
        + " (.csv .xlsx .png)")
    _matrix_files(frames["role"], folder, "role", w, blocks, files, w["by_role"])
    if has_place:
        _matrix_files(frames[CASE_ATTRIBUTE], folder, CASE_ATTRIBUTE, w, blocks, files, w["by_municipality"])
    else:
        blocks.append(Block("note", w["no_municipality"]))
    n += 1

    # ---------------------------------------------------------------- co-occurrence
    say(n, steps, "co-occurrence network (.graphml .png)")
    from .plots import write_graph

    write_graph(network, folder / "cooccurrence.graphml")  # its picture: _draw_figures
    blocks += [Block("h2", w["cooccurrence"]), Block("note", w["cooccurrence_note"]),
               Block("figure", w["network"], src="cooccurrence.png"),
               Block("table", columns=[w["pair_a"], w["pair_b"], w["count"], w["jaccard"]],
                     rows=[[r.label_a, r.label_b, int(r.count), decimal(float(r.jaccard), language)]
                           for r in pairs.head(12).itertuples(index=False)])]
    files += [("cooccurrence.graphml", w["f_graph"]), ("cooccurrence.png", w["f_network"])]
    n += 1

    # ---------------------------------------------------------------- quotes per theme
    from ..analysis.quotes import PassageCache, QuoteChoice

    blocks += [Block("h2", w["quotes"]), Block("note", w["quotes_note"])]
    quotes_at = len(blocks)  # the quotes go here when they are picked
    passages = PassageCache()  # each theme's passages found once, for these quotes and the case model's
    tree = project.codes()
    themes = tree.children(None)
    choice = QuoteChoice(store, [node["code"] for node in themes], by=case_by if has_place else "role", limit=1,
                         language=language, passages=passages)

    # ---------------------------------------------------------------- documents
    shown = out if out is not None else result.out
    with beside(choice.picked) as picking:  # the report's quotes picked in a second process meanwhile
        say(n, steps, f"framework matrix by {case_by} (.docx .xlsx)")
        model = project.case_model(case_by, language=language, passages=passages)  # every document from one model
        project.export_framework(folder / "framework.docx", case_by=case_by, language=language, model=model)
        project.export_framework(folder / "framework.xlsx", case_by=case_by, language=language, model=model)
        files += [("framework.docx", w["f_framework_docx"]), ("framework.xlsx", w["f_framework_xlsx"])]
        n += 1
        say(n, steps, f"case-history appendix by {case_by} (.docx)")
        project.export_narratives(folder / "appendix.docx", case_by=case_by, language=language, model=model)
        files.append(("appendix.docx", w["f_appendix"]))
        n += 1
    chosen = choice.lists(picking.value)
    quoted: list[Block] = []
    for node in themes:
        quotes = chosen[node["code"]]
        if not len(quotes):
            continue
        quoted.append(Block("h3", tree.label(node["id"], language)))
        for row in quotes.rows:
            where = [row["source"]]
            if row["turn"] is not None:
                where.append(f"{'tur' if language == 'da' else 'turn'} {int(row['turn'])}")
            if isinstance(row["timestamp"], str) and row["timestamp"]:
                where.append(row["timestamp"])
            quoted.append(Block("quote", row["text"], by=f"{row['attribution']} ({', '.join(where)})"))
    blocks[quotes_at:quotes_at] = quoted
    blocks += [Block("h2", w["documents"]), Block("p", w["documents_text"]),
               Block("code", f"coding --project {shown / 'coding.db'} summary import "
                             f"{shown / 'framework.xlsx'}\n"
                             f"coding --project {shown / 'coding.db'} export framework -o "
                             f"{shown / 'framework.docx'}")]

    say(n, steps, "report (.html .md)")
    files += [("report.html", w["f_report"]), ("report.md", w["f_report"]),
              ("coding.db", w["f_db"].format(db=shown / "coding.db"))]
    blocks += [Block("h2", w["files"]), Block("files", items=files)]
    write_report(folder, title, blocks, lang=language)


# --------------------------------------------------------------------------- rebuilding from a project

REPORT_FILES = ("matrix_role.csv", "matrix_role.xlsx", "matrix_role.png", "matrix_municipality.csv",
                "matrix_municipality.xlsx", "matrix_municipality.png", "cooccurrence.graphml", "cooccurrence.png",
                "framework.docx", "framework.xlsx", "appendix.docx", "report.html", "report.md")
REPORT_STEPS = 5        # write_all's steps: matrices, network, framework, appendix, report


@dataclass
class ReportResult:
    out: Path
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def rebuild_report(project, out: str | Path, *, language: str | None = None, anonymize: bool = False,
                   unreviewed: str = "replace", step: Callable[[int, int, str], None] | None = None
                   ) -> "ReportResult":
    """Write the report files (the pipeline's, without ``coding.db``) into ``out`` from the project
    as it is now: its codings of every origin, the analyst's summaries and the case statuses are
    read, nothing in the project is changed. Built in ``out/.report-partial`` and moved into place at
    the end, so a failure leaves an earlier report as it was."""
    started = time.perf_counter()
    out = Path(out)
    result = ReportResult(out)
    say = step or (lambda n, total, message: None)
    meta_input = project.store.get_meta("pipeline_input")
    meta_codebook = project.store.get_meta("pipeline_codebook")
    input = Path(meta_input or project.path)
    codebook = Path(meta_codebook or "the project's codebook")
    out.mkdir(parents=True, exist_ok=True)
    partial = out / ".report-partial"
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir()
    try:
        result.counts["sources"] = len(project.sources())
        result.counts["codings"] = project.store.coding_total()
        if anonymize:
            with project.anonymized(unreviewed=unreviewed) as copy:
                scrub = copy.scrubber.scrub
                write_all(copy, partial, say=say, steps=REPORT_STEPS, first_step=1, result=result,
                          input=Path(scrub(str(input))), codebook=Path(scrub(str(codebook))), manifest=None,
                          language=language, out=Path(scrub(str(out))))
        else:
            write_all(project, partial, say=say, steps=REPORT_STEPS, first_step=1, result=result, input=input,
                      codebook=codebook, manifest=None, language=language)
        for path in sorted(partial.iterdir()):
            os.replace(path, out / path.name)
            result.files.append(out / path.name)
        produced = {p.name for p in result.files}
        for name in REPORT_FILES:
            if name not in produced and (out / name).exists():
                (out / name).unlink()
    finally:
        if partial.exists():
            shutil.rmtree(partial, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result
