"""Identifiers with a shape: CPR numbers, phone numbers, e-mail, URLs, addresses, postcodes with
their town, dates of birth, bank accounts and case numbers.

Each finder takes the text and yields ``(start, end, kind)``; the shapes are validated where a
rule exists (a CPR number's date, an IBAN's check digits, a phone number through the
``phonenumbers`` library), and guessed from the words around them where none does (a bank
account after "konto", a case number after "sagsnr."). Kinds are the keys of
:data:`coding.anonymize.words.KIND_WORDS`.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Iterator

import phonenumbers

Span = tuple[int, int, str]

# --------------------------------------------------------------------------- CPR
# ddmmyy-ssss, with or without the dash (or a space). Modulus 11 is not checked: since 2007 CPR
# numbers are issued that fail it, so the check would let real numbers through.
_CPR = re.compile(r"(?<![\w\-+/.,])(\d{2})(\d{2})(\d{2})[-‐– ]?(\d{4})(?![\w\-/])")


def _cpr_year(yy: int, seventh: int) -> int:
    """The century of a CPR number from its seventh digit (the CPR office's table)."""
    if seventh <= 3:
        return 1900 + yy
    if seventh in (4, 9):
        return (2000 if yy <= 36 else 1900) + yy
    return (2000 if yy <= 57 else 1800) + yy


# after the word itself ("cpr-nr. 123456-7890") any ten digits in that shape are taken, date or not
_CPR_SAID = re.compile(r"(?i:\b(?:cpr|personnummer|personnr|cpr-nummer|cpr-nr)\.?(?:[-\s]*(?:nummer|nr\.?))?"
                       r"\s*[:.]?\s*(?:er\s+|is\s+)?)(?P<number>\d{6}[-‐– ]?\d{4})(?![\w\-/])")


def cpr_numbers(text: str) -> Iterator[Span]:
    said = {(m.start("number"), m.end("number")) for m in _CPR_SAID.finditer(text)}
    for start, end in said:
        yield start, end, "cpr"
    for m in _CPR.finditer(text):
        if (m.start(), m.end()) in said:
            continue
        day, month, yy, serial = (int(g) for g in m.groups())
        try:
            _dt.date(_cpr_year(yy, int(m.group(4)[0])), month, day)
        except ValueError:
            continue
        yield m.start(), m.end(), "cpr"


# --------------------------------------------------------------------------- phone numbers
# Danish national numbers as Danes write them: 8 digits, in pairs or fours; anything else
# (3-digit groups of an amount, a year range) is not taken for a phone number without a +/00.
_DK_NATIONAL = re.compile(r"^(?:\d{8}|\d{2}([ .\-]?)\d{2}\1\d{2}\1\d{2}|\d{4}[ .\-]?\d{4})$")
_YEARS = re.compile(r"^(?:19|20)\d\d\s*[-–]\s*(?:19|20)\d\d$")
_AMOUNT_AFTER = re.compile(r"\s*(?:kr\b|kroner|dkk|mio|mia|millioner|euro|%|timer|hours)", re.IGNORECASE)


# numbers that are phone numbers by their shape or by what is said before them, valid or not
# ("12 34 56 78" is no Danish subscriber number, but it is written as one)
_PAIRS = re.compile(r"(?<![\w+\-.,/])\d{2}([ .\-])\d{2}\1\d{2}\1\d{2}(?![\w\-/]|[.,]\d)")
_PHONE_SAID = re.compile(r"(?i:\b(?:tlf|telefon(?:nummer|nr)?|mobil(?:nummer|nr|telefon)?|mobilnr|phone(?:\s+number)?|"
                         r"mobile(?:\s+number)?|tel|ring(?:e)?\s+(?:til\s+\w+\s+)?på|call\s+(?:\w+\s+)?on|sms)\.?"
                         r"\s*[:.]?\s*(?:er\s+|is\s+|on\s+|på\s+)?)(?P<number>\+?\d[\d \-.]{6,16}\d)(?![\w\-/])")


def phone_numbers(text: str, language: str = "da") -> Iterator[Span]:
    regions = ("DK", "GB") if language == "en" else ("DK",)
    spans: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return not any(start < e and s < end for s, e in spans)

    for region in regions:
        # British numbers as written in English text: any possible number of 10+ digits that starts
        # with 0 or + (the fictional 07700 900xxx range of test text is not "valid")
        leniency = phonenumbers.Leniency.POSSIBLE if region == "GB" else phonenumbers.Leniency.VALID
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency):
            raw = match.raw_string.strip()
            international = raw.startswith("+") or raw.startswith("00")
            if region == "GB" and (sum(c.isdigit() for c in raw) < 10 or raw[:1] not in "0+"):
                continue
            if not international:
                if region == "DK" and not _DK_NATIONAL.match(raw):
                    continue
                if _YEARS.match(raw) or _AMOUNT_AFTER.match(text, match.end):
                    continue
            if free(match.start, match.end):
                spans.append((match.start, match.end))
    for m in _PAIRS.finditer(text):
        if not _AMOUNT_AFTER.match(text, m.end()) and free(m.start(), m.end()):
            spans.append((m.start(), m.end()))
    for m in _PHONE_SAID.finditer(text):
        if 8 <= sum(c.isdigit() for c in m.group("number")) <= 13 and free(m.start("number"), m.end("number")):
            spans.append((m.start("number"), m.end("number")))
    for start, end in sorted(spans):
        yield start, end, "phone"


# --------------------------------------------------------------------------- e-mail and links
_EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'()\[\]]+|(?<![@\w.\-])(?:[a-z0-9\-]+\.)+"
                  r"(?:dk|com|org|net|eu|uk|io|info|nu|se|no|de)(?:/[^\s<>\"'()\[\]]*)?(?![\w@])",
                  re.IGNORECASE)


def emails(text: str) -> Iterator[Span]:
    for m in _EMAIL.finditer(text):
        yield m.start(), m.end(), "email"


def urls(text: str) -> Iterator[Span]:
    for m in _URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:!?":
            end -= 1
        yield m.start(), end, "url"


# --------------------------------------------------------------------------- addresses
_UP = "A-ZÆØÅÄÖÜÉ"
_STREET_SUFFIX = (r"(?:vej|vejen|gade|allé|alle|stræde|plads|torv|vænge|vænget|boulevard|gyde|sti|stien|"
                  r"løkke|løkken|toft|toften|bakke|bakken|have|haven|park|parken|kær|kæret|vang|vangen|"
                  r"engen|høj|højen|dal|dalen|kaj|brygge|passage|hegn|holm|mark|marken)")
_FLOOR = r"(?:,?\s*(?:st|kl|\d{1,2})\.?\s*(?:tv|th|mf|t\.v|t\.h)?\.?(?![\w]))?"
# "Birkevej 12", "Gammel Kongevej 12B, 2. tv", "Nørre Allé 14, st. th."
_DK_ADDRESS = re.compile(
    rf"(?<![\w])(?:[{_UP}][\w.\-]*\s+){{0,3}}[{_UP}][\wæøåäöüé\-]*?(?i:{_STREET_SUFFIX})\s+\d{{1,4}}"
    rf"(?:\s?[A-Za-z](?![\w]))?{_FLOOR}")
# a street name without its number: the strong suffixes only ("bor på Birkevej")
_DK_STREET = re.compile(rf"(?<![\w])[{_UP}][\wæøå\-]+(?:vej|gade|allé|stræde)(?![\w])")
_EN_ADDRESS = re.compile(rf"(?<![\w])\d{{1,4}}[A-Za-z]?\s+(?:[{_UP}][a-z]+\s+){{1,3}}"
                         r"(?:Street|St|Road|Rd|Lane|Avenue|Ave|Close|Drive|Way|Court|Place|Crescent|"
                         r"Gardens|Terrace|Square|Grove|Row)\b\.?")
_DK_POSTCODE = re.compile(rf"(?<![\w\-])(?:DK-?\s?)?[1-9]\d{{3}}\s+(?P<town>[{_UP}][\wæøå\-]+"
                          rf"(?:\s+[{_UP}][\wæøå\-]+)?(?:\s+[CNSVØK](?![\w]))?)")
_UK_POSTCODE = re.compile(r"(?<![\w])[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}(?![\w])")


def addresses(text: str, language: str, places: set[str]) -> Iterator[Span]:
    """Street addresses; postcodes with a town that is on the place list or right after an address."""
    found: list[tuple[int, int]] = []
    for pattern in (_DK_ADDRESS, _EN_ADDRESS):
        for m in pattern.finditer(text):
            found.append((m.start(), m.end()))
            yield m.start(), m.end(), "address"
    for m in _DK_STREET.finditer(text):
        if not any(s <= m.start() < e for s, e in found):
            yield m.start(), m.end(), "address"
    for m in _DK_POSTCODE.finditer(text):
        town = m.group("town")
        first = town.split()[0]
        before = text[max(0, m.start() - 3):m.start()]
        after_address = any(e <= m.start() <= e + 3 for s, e in found) or "," in before
        if first in places or town in places or after_address:
            yield m.start(), m.end(), "postcode"
    if language == "en":
        for m in _UK_POSTCODE.finditer(text):
            yield m.start(), m.end(), "postcode"


# --------------------------------------------------------------------------- dates of birth
_MONTHS = (r"(?:januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december|"
           r"january|february|march|may|june|july|october|"
           r"jan|feb|mar|apr|jun|jul|aug|sep|sept|okt|oct|nov|dec)\.?")
_DATE = (rf"(?:\d{{1,2}}[./\-]\d{{1,2}}[./\-](?:\d{{4}}|\d{{2}})|\d{{1,2}}(?:\.|st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}"
         rf"\s+\d{{4}}|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})")
_BIRTH = re.compile(rf"(?i:\b(?:født|fødselsdag|fødselsdato|f\.|born|birthday|date\s+of\s+birth|d\.o\.b\.|dob)"
                    rf"\b[^.\n\d]{{0,20}}?)(?P<date>(?i:{_DATE}))(?![\w])")


def birth_dates(text: str) -> Iterator[Span]:
    for m in _BIRTH.finditer(text):
        yield m.start("date"), m.end("date"), "birthdate"


# --------------------------------------------------------------------------- bank accounts, case numbers
_IBAN = re.compile(r"(?<![\w])[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?(?![\w])")
_ACCOUNT = re.compile(r"(?i:\b(?:reg\.?\s*nr\.?|registreringsnummer|kontonummer|kontonr\.?|konto|"
                      r"bankkonto|account(?:\s+(?:no\.?|number))?|sort\s+code)\s*[:.]?\s*(?:er\s+|is\s+)?)"
                      r"(?P<number>\d[\d \-]{2,18}\d)(?![\w])")
_CASE_NUMBER = re.compile(r"(?i:\b(?:sags?nr\.?|sagsnummer|journalnr\.?|journalnummer|j\.\s?nr\.?|"
                          r"case\s+(?:no\.?|number|ref\.?|reference)|reference\s+(?:no\.?|number)|ref\.?\s*nr\.?)"
                          r"\s*[:.]?\s*(?:er\s+|is\s+)?)(?P<number>[A-Z0-9][A-Z0-9\-/.]{2,}[A-Z0-9])(?![\w])")


def _iban_ok(value: str) -> bool:
    value = value.replace(" ", "")
    if len(value) < 15:
        return False
    moved = value[4:] + value[:4]
    digits = "".join(str(int(c, 36)) for c in moved)
    return int(digits) % 97 == 1


def bank_accounts(text: str) -> Iterator[Span]:
    for m in _IBAN.finditer(text):
        if _iban_ok(m.group()):
            yield m.start(), m.end(), "bank"
    for m in _ACCOUNT.finditer(text):
        yield m.start("number"), m.end("number"), "bank"


def case_numbers(text: str) -> Iterator[Span]:
    for m in _CASE_NUMBER.finditer(text):
        if any(c.isdigit() for c in m.group("number")):
            yield m.start("number"), m.end("number"), "case_number"


def pattern_spans(text: str, language: str, places: set[str]) -> list[Span]:
    """Every shaped identifier in ``text``, CPR numbers first (a CPR number is never a phone number)."""
    spans: list[Span] = []
    spans.extend(cpr_numbers(text))
    spans.extend(emails(text))
    spans.extend(urls(text))
    spans.extend(bank_accounts(text))
    spans.extend(case_numbers(text))
    spans.extend(birth_dates(text))
    spans.extend(phone_numbers(text, language))
    spans.extend(addresses(text, language, places))
    return spans
