"""The fixed words of the report documents, in Danish and English (the project's language decides)."""

from __future__ import annotations

WORDS = {
    "da": {
        "appendix_title": "Casehistorier",
        "framework_title": "Temaer på tværs af cases",
        "contents": "Indhold",
        "toc_placeholder": "Højreklik og vælg Opdater felt for at vise indholdsfortegnelsen.",
        "status_heading": "Valideringsstatus",
        "case": "Case",
        "status": "Status",
        "date": "Dato",
        "draft": "kladde",
        "sent": "sendt til godkendelse",
        "approved": "godkendt",
        "interviews_caption": "Interviews og deltagere",
        "interview": "Interview",
        "details": "Oplysninger",
        "participants": "Deltagere",
        "role": "Rolle",
        "turns": "Ture",
        "participant": "Deltager",
        "no_summary": "Analytikerens opsummering mangler.",
        "segments": "segmenter",
        "segment": "segment",
        "people": "deltagere",
        "person": "deltager",
        "turn": "tur",
        "not_coded": "Temaer uden kodede udsagn",
        "about": "Udarbejdet med coding den {date}: {cases} cases efter {case_by}, {themes} temaer. "
                 "Citater er tilskrevet rolle, interview og tur.",
        "about_anonymized": "Anonymiseret: cases og deltagere er nummereret, og navne fra deltagerlisten "
                            "er fjernet fra citaterne.",
        "history_of": "Historie",
        "summary": "Opsummering",
        "evidence": "Kodede udsagn",
        "name": "[navn]",
    },
    "en": {
        "appendix_title": "Case histories",
        "framework_title": "Themes across cases",
        "contents": "Contents",
        "toc_placeholder": "Right-click and choose Update Field to show the table of contents.",
        "status_heading": "Validation status",
        "case": "Case",
        "status": "Status",
        "date": "Date",
        "draft": "draft",
        "sent": "sent for approval",
        "approved": "approved",
        "interviews_caption": "Interviews and participants",
        "interview": "Interview",
        "details": "Details",
        "participants": "Participants",
        "role": "Role",
        "turns": "Turns",
        "participant": "Participant",
        "no_summary": "No analyst summary yet.",
        "segments": "segments",
        "segment": "segment",
        "people": "participants",
        "person": "participant",
        "turn": "turn",
        "not_coded": "Themes without coded statements",
        "about": "Made with coding on {date}: {cases} cases by {case_by}, {themes} themes. "
                 "Quotes are attributed by role, interview and turn.",
        "about_anonymized": "Anonymized: cases and participants are numbered, and names from the "
                            "participant list are removed from the quotes.",
        "history_of": "History",
        "summary": "Summary",
        "evidence": "Coded statements",
        "name": "[name]",
    },
}


ATTRIBUTE_LABELS = {
    "da": {"municipality": "kommune", "kommune": "kommune", "participant": "deltager", "source": "interview",
           "role": "rolle", "interview_type": "interviewtype", "region": "region", "gender": "køn"},
    "en": {"municipality": "municipality", "participant": "participant", "source": "interview", "role": "role",
           "interview_type": "interview type", "gender": "gender"},
}


def attribute_label(language: str, name: str) -> str:
    """How a case attribute is named in a document ("kommune" for municipality in Danish)."""
    return ATTRIBUTE_LABELS.get(language, ATTRIBUTE_LABELS["en"]).get(name, name.replace("_", " "))


def words(language: str) -> dict[str, str]:
    return WORDS.get(language, WORDS["en"])


def count_phrase(w: dict[str, str], segments: int, people: int) -> str:
    return (f"{segments} {w['segment'] if segments == 1 else w['segments']} · "
            f"{people} {w['person'] if people == 1 else w['people']}")
