"""Anonymization (issue 23): find personal data, let the analyst review it, apply it everywhere.

* :mod:`.patterns` CPR, phone (``phonenumbers``), e-mail, URL, address, postcode, birth date,
  bank account, case number; :mod:`.names` given names, titles, capitalised unknown words,
  places; :mod:`.detect` puts them together with what the project knows (:mod:`.pseudonyms`).
* :mod:`.key` scan, the review rows, the key (decisions), status, and the :class:`Scrubber` that
  applies them; :mod:`.sheet` the review workbook.
* :mod:`.copy` the anonymized copy of a project that every ``--anonymize`` output is made from.
"""

from __future__ import annotations


class AlreadyAnonymized:
    """What the report writers get for a project that is an anonymized copy: every name in it is a
    pseudonym already, so cases, people and interviews are shown as they are, and the documents
    say they are anonymized."""

    def case(self, value: str) -> str:
        return value

    def participant(self, pid: str) -> str:
        return pid

    def source(self, name: str) -> str:
        return name

    def scrub(self, text: str | None) -> str:
        return text or ""
