"""Lemmas and compound parts of word forms for one language, from the spacy-lookups-data tables."""

from __future__ import annotations

from .lemmas import lemma_table

LINKING = "se"


class Lexicon:
    """Lemmas and compound parts of word forms for one language."""

    def __init__(self, lang: str, compounds: bool, min_part: int):
        self.lang = lang
        self.table = lemma_table(lang)
        self.compounds = compounds
        self.min_part = min_part

    def known(self, form: str) -> bool:
        return form in self.table or self.table.is_lemma(form)

    def _head_split(self, form: str) -> int | None:
        """Where the longest known head of an unknown compound starts (modifier >= 3 letters)."""
        for i in range(3, len(form) - 2):
            if self.known(form[i:]):
                return i
        return None

    def lemma(self, form: str) -> str:
        found = self.table.get(form)
        if found is not None:
            return found
        if "-" in form.strip("-"):
            head = form.rsplit("-", 1)
            return head[0] + "-" + self.lemma(head[1]) if head[1] else form
        if self.compounds and len(form) >= 6:
            i = self._head_split(form)
            if i is not None:
                return form[:i] + self.table.get(form[i:], form[i:])
        return form

    def parts(self, form: str) -> tuple[list[tuple[str, str]], set[str]]:
        """Heads as (form, lemma) and modifiers (stems without a linking letter) of a compound."""
        heads: list[tuple[str, str]] = []
        modifiers: set[str] = set()
        if "-" in form.strip("-"):
            pieces = [p for p in form.split("-") if p]
            if len(pieces) > 1:
                last = pieces[-1]
                heads.append((last, self.lemma(last)))
                more_heads, more_mods = self.parts(last)
                heads.extend(more_heads)
                modifiers |= more_mods
                for piece in pieces[:-1]:
                    modifiers.add(piece)
                    modifiers.add(self.lemma(piece))
                return heads, modifiers
        m = self.min_part
        n = len(form)
        for i in range(3, n - m + 1):          # head = form[i:], at least m letters
            head = form[i:]
            if self.known(head):
                heads.append((head, self.table.get(head, head)))
        for j in range(m, n - 2):               # modifier = form[:j], rest at least 3 letters
            rest = form[j:]
            if self.known(rest) or (rest[0] in LINKING and len(rest) > 3 and self.known(rest[1:])):
                modifiers.add(form[:j])
        return heads, modifiers


