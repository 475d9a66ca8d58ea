"""Open-ended survey answers as sources: each respondent a participant with the survey's background
columns as attributes, each non-empty answer a turn of that respondent.

``by="question"`` (default) makes one source per question (``survey.xlsx#Q1``), its turns the answers,
each spoken by its respondent (speaker label = respondent id). ``by="respondent"`` makes one source
per respondent (``survey.xlsx#R017``), its turns the answers, the speaker label being the question.
Either way coding, search, matrices and agreement see answers as they see interview turns. The
caller holds the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CodingError, Refused
from ..ingest.language import detect_language
from ..ingest.survey import Survey, read_survey, source_name
from ..store import Store

SEPARATOR = "\n\n"


@dataclass
class SurveyReport:
    file: str
    respondents: int = 0
    questions: int = 0
    answers: int = 0
    empty: int = 0
    silent: int = 0   # respondents who answered no question
    sources_new: list[str] = field(default_factory=list)
    sources_replaced: list[str] = field(default_factory=list)
    sources_unchanged: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"imported {name}" for name in self.sources_new]
        out += [f"replaced {name}" for name in self.sources_replaced]
        out += [f"unchanged {name}: already imported, nothing to do" for name in self.sources_unchanged]
        silent = f" ({self.silent} without any answer: not participants)" if self.silent else ""
        out.append(f"{Path(self.file).name}: {self.respondents} respondents{silent}, {self.questions} questions, "
                   f"{self.answers} answers, {self.empty} empty answers skipped")
        return out + self.notes


def _documents(survey: Survey, by: str) -> list[tuple[str, dict[str, str], list[tuple[str, str, str]]]]:
    """(source name, source attributes, [(speaker label, respondent id, answer)]) per source."""
    stem = Path(survey.file).name
    if by == "question":
        docs = []
        for question in survey.text_columns:
            turns = [(rid, rid, answers[question]) for _, rid, _, answers in survey.respondents if question in answers]
            if turns:
                docs.append((source_name(survey.file, question), {"survey": stem, "question": question}, turns))
        return docs
    if by == "respondent":
        return [(source_name(survey.file, rid), {"survey": stem},
                 [(question, rid, answers[question]) for question in survey.text_columns if question in answers])
                for _, rid, _, answers in survey.respondents if answers]
    raise CodingError(f"--by is question or respondent, not '{by}'")


def import_survey(store: Store, path: str | Path, *, id_column: str | None = None,
                  text_columns: list[str] | None = None, attribute_columns: list[str] | None = None,
                  by: str = "question", replace: bool = False) -> SurveyReport:
    """Read a survey file and store its answers (see the module's docstring)."""
    from .sources import remap_codings, sha256

    path = Path(path)
    survey = read_survey(path, id_column=id_column, text_columns=text_columns, attribute_columns=attribute_columns)
    report = SurveyReport(str(path), respondents=len(survey.respondents), questions=len(survey.text_columns),
                          answers=sum(len(a) for *_, a in survey.respondents), empty=survey.empty_answers,
                          silent=sum(1 for *_, a in survey.respondents if not a),
                          notes=list(survey.notes))
    docs = _documents(survey, by)
    file_digest = sha256(path.read_bytes())
    participants: dict[str, int] = {}
    for _, rid, attributes, answers in survey.respondents:
        if not answers:
            continue
        participant_id = store.ensure_participant(rid)
        participants[rid] = participant_id
        for name, value in attributes.items():
            store.set_participant_attribute(participant_id, name, value)
    language = None
    for name, attributes, answers in docs:
        parts, turns, position = [], [], 0
        for label, _, answer in answers:
            if parts:
                position += len(SEPARATOR)
            turns.append({"start": position, "end": position + len(answer), "speaker": label})
            parts.append(answer)
            position += len(answer)
        text = SEPARATOR.join(parts)
        if language is None:
            language = detect_language(text[:20000])
        fields = dict(path=str(path), format="survey", language=language, file_sha256=file_digest,
                      text_sha256=sha256(text), text=text)
        existing = store.source_by_name(name)
        if existing is not None and existing["text"] == text:
            report.sources_unchanged.append(name)
            source_id = int(existing["id"])
        elif existing is not None and not replace:
            raise Refused(f"{path}: the project already has a different {name}; use --replace to replace it "
                          "(codings are kept where their text is found)")
        elif existing is not None:
            source_id = int(existing["id"])
            remap_codings(store, source_id, existing["text"], text)
            store.update_source_content(source_id, **fields)
            store.replace_turns(source_id, turns)
            report.sources_replaced.append(name)
        else:
            source_id = store.insert_source(name=name, **fields)
            store.replace_turns(source_id, turns)
            report.sources_new.append(name)
        for key, value in attributes.items():
            store.set_source_attribute(source_id, key, value)
        labels = {}
        for label, rid, _ in answers:
            labels[label] = participants[rid]
        store.delete_speakers_not_in(source_id, set(labels))
        for label, participant_id in labels.items():
            store.map_speaker(source_id, label, participant_id)
    store.delete_orphan_participants()
    return report
