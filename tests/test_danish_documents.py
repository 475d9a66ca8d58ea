"""Documents as a Danish report needs them: Word files proofed in the sources' language with rows
that do not split, CSV that Danish Excel reads, filters that say when they match nothing."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from cli_helpers import run

ROOT = Path(__file__).resolve().parent.parent
STV = ROOT / "codebooks" / "stv.yaml"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("sample") / "s.db"
    run(db, "import", str(ROOT / "transcripts_sample"), "--manifest", str(ROOT / "transcripts_sample" / "participants.csv"))
    run(db, "autocode", "--codebook", str(STV))
    return db


def word_parts(path: Path) -> tuple[etree._Element, etree._Element]:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("word/styles.xml")), etree.fromstring(archive.read("word/document.xml"))


def assert_proofed_in(path: Path, tag: str) -> None:
    styles, body = word_parts(path)
    default = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert default is not None and default.get(f"{W}val") == tag, path.name
    langs = [el.get(f"{W}val") for root in (styles, body) for el in root.iter(f"{W}lang")]
    assert langs and set(langs) == {tag}, (path.name, set(langs))
    runs = list(body.iter(f"{W}r"))
    assert runs and all(r.find(f"{W}rPr/{W}lang") is not None for r in runs), path.name


def assert_rows_keep_together(path: Path) -> int:
    _, body = word_parts(path)
    tables = list(body.iter(f"{W}tbl"))
    for table in tables:
        rows = table.findall(f"{W}tr")
        assert all(r.find(f"{W}trPr/{W}cantSplit") is not None for r in rows), path.name
        assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None, path.name
    return len(tables)


def test_word_files_are_proofed_in_danish_and_rows_do_not_split(sample, tmp_path):
    files = {
        "framework.docx": ["export", "framework", "--case-by", "municipality"],
        "appendix.docx": ["export", "narratives", "--case-by", "municipality"],
        "kodebog.docx": ["codebook", "export", "--format", "docx"],
        "transcript.docx": ["export", "docx", "nordby_leder.docx"],
    }
    for name, args in files.items():
        run(sample, *args, "-o", str(tmp_path / name))
    run(sample, "quotes", "--code", "belief", "--format", "docx", "-o", str(tmp_path / "quotes.docx"))
    tables = 0
    for name in [*files, "quotes.docx"]:
        assert_proofed_in(tmp_path / name, "da-DK")
        tables += assert_rows_keep_together(tmp_path / name)
    assert tables >= 4


def test_an_english_project_is_proofed_in_english(tmp_path):
    source = tmp_path / "interview.txt"
    source.write_text("---\nlanguage: en\n---\nInterviewer: How do you work with employers?\n\n"
                      "Jane: We call small firms every week, and I believe most of my people can work.\n",
                      encoding="utf-8")
    db = tmp_path / "e.db"
    run(db, "import", str(source))
    run(db, "autocode", "--codebook", str(STV))
    run(db, "export", "framework", "--case-by", "source", "-o", str(tmp_path / "f.docx"))
    assert_proofed_in(tmp_path / "f.docx", "en-GB")
    assert assert_rows_keep_together(tmp_path / "f.docx") == 1


def test_csv_files_open_in_danish_excel(sample, tmp_path):
    plain = tmp_path / "m.csv"
    run(sample, "matrix", "--cols", "municipality", "--level", "1", "--format", "csv", "-o", str(plain))
    assert plain.read_bytes().startswith(b"\xef\xbb\xbfcode,")
    excel = tmp_path / "excel.csv"
    run(sample, "matrix", "--cols", "municipality", "--level", "1", "--normalize", "row", "--format", "csv",
        "--excel", "-o", str(excel))
    data = excel.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["code", "label", "Kildemose", "Lyngholt", "Nordby", "Åbæk", "I alt"]
    assert rows[1][:2] == ["belief", "Tro på borgeren"]
    numbers = [value for row in rows[1:] for value in row[2:-1]]
    assert any("," in v for v in numbers) and not any("." in v for v in numbers)
    for row in rows[1:]:
        shares = [float(v.replace(",", ".")) for v in row[2:-1]]
        assert all(0 <= v <= 100 for v in shares) and float(row[-1].replace(",", ".")) == 100
    # the terminal gets no BOM
    assert not run(sample, "matrix", "--format", "csv").output.startswith("\ufeff")


def test_a_filter_value_that_matches_nothing_is_an_error_with_the_values(sample):
    result = run(sample, "matrix", "--where", "role=leder", ok=False)
    assert result.exit_code == 1
    assert result.output == (
        "Error: no role is 'leder' in the project (--where role=leder); the values are: Borger, Interviewer, "
        "Leder, Mentor, Projektleder, Sagsbehandler, Virksomhedskonsulent. Did you mean 'Leder'?\n")
    result = run(sample, "segments", "--where", "municipality=Aabaek", ok=False)
    assert result.exit_code == 1 and "Did you mean 'Åbæk'?" in result.output
    assert "Kildemose, Lyngholt, Nordby, Åbæk" in result.output
    result = run(sample, "quotes", "--code", "belief", "--where", "municipality=Xyz", ok=False)
    assert result.exit_code == 1 and "Did you mean" not in result.output
    assert "Åbæk" in run(sample, "matrix", "--where", "municipality=Åbæk", "--cols", "municipality").output


def test_matrix_as_a_case_table_in_word(sample, tmp_path):
    import docx

    from coding import Project

    out = tmp_path / "cases.docx"
    run(sample, "matrix", "--cols", "municipality", "--level", "1", "--format", "docx", "--quotes", "-o", str(out))
    document = docx.Document(out)
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Tema", "Kildemose", "Lyngholt", "Nordby", "Åbæk", "I alt"]
    with Project.open(sample) as project:
        frame = project.matrix("code", ["municipality"], level=1)
        belief = project.quotes("belief", by="municipality")
    labels = [row.cells[0].text for row in table.rows[1:]]
    assert labels == [frame.attrs["row_labels"][code] for code in frame.index]
    assert labels[0] == "Tro på borgeren"
    first = table.rows[1].cells
    assert [c.paragraphs[0].text for c in first[1:]] == [str(v) for v in frame.loc["belief"].tolist()]
    # the best quote of the theme and municipality under its count, attributed
    quote = first[1].paragraphs[1].text
    assert quote.startswith("“") and quote.strip("“”") in belief[belief["group"] == "Kildemose"]["text"].tolist()
    assert first[1].paragraphs[2].text.startswith("— ")
    assert "I alt" in document.paragraphs[-1].text and document.paragraphs[-1].style.name == "Caption"
    assert_proofed_in(out, "da-DK")
    assert assert_rows_keep_together(out) == 1
    # English labels and words when asked; anonymized cases when asked
    english = tmp_path / "roles.docx"
    run(sample, "matrix", "--cols", "role", "--level", "1", "--language", "en", "--format", "docx", "-o", str(english))
    header = [c.text for c in docx.Document(english).tables[0].rows[0].cells]
    assert header[0] == "Theme" and header[-1] == "Total" and "Leder" in header
    assert docx.Document(english).tables[0].rows[1].cells[0].text == "Belief"
    anonymous = tmp_path / "anon.docx"
    run(sample, "matrix", "--cols", "municipality", "--level", "1", "--format", "docx", "--quotes", "--anonymize",
        "-o", str(anonymous))
    text = "\n".join(c.text for row in docx.Document(anonymous).tables[0].rows for c in row.cells)
    assert "Case 1" in text and not any(m in text for m in ("Kildemose", "Lyngholt", "Nordby", "Åbæk"))
    assert run(sample, "matrix", "--quotes", ok=False).exit_code == 2
