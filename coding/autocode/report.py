"""What an auto-coding run did (or, dry, would do): sources coded, codings made per code."""

from __future__ import annotations

import collections
from dataclasses import dataclass, field


@dataclass
class AutocodeReport:
    """What an auto-coding run did (or, with ``dry_run``, would do)."""

    unit: str
    dry_run: bool
    jobs: int = 1
    coded: list[str] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    codings: int = 0
    replaced: int = 0
    by_code: collections.Counter = field(default_factory=collections.Counter)
    by_top_level: dict[str, int] = field(default_factory=dict)
    totals_by_top_level: dict[str, int] = field(default_factory=dict)
    tokens: int = 0
    characters: int = 0
    seconds: float = 0.0
    # every automatic coding the project holds after the run, per code slug, when the run made
    # them all (it replaced every earlier one); None otherwise
    auto_after: collections.Counter | None = None
    planned: list[dict] | None = None
    codebook: str = ""
    # sources skipped because the codebook has no rules in their language: name -> language
    no_rules: dict[str, str] = field(default_factory=dict)

    def summary_rows(self, labels: dict[str, str] | None = None) -> list[dict]:
        rows = []
        labels = labels or {}
        for code, n in self.by_top_level.items():
            row = {"code": code, "label": labels.get(code, ""),
                   ("would_code" if self.dry_run else "codings"): n}
            if not self.dry_run:
                row["total_auto"] = self.totals_by_top_level.get(code, 0)
            rows.append(row)
        return rows

    def lines(self) -> list[str]:
        verb = "would code" if self.dry_run else "coded"
        out = [f"{'dry run: ' if self.dry_run else ''}{verb} {len(self.coded)} source(s) in full, "
               f"{len(self.partial)} in part (changed codes only), skipped {len(self.skipped)} unchanged; "
               f"unit {self.unit}, {self.jobs} process(es), {self.seconds:.1f} s"]
        out.append(f"{'would create' if self.dry_run else 'created'} {self.codings} automatic codings"
                   + (f", replacing {self.replaced} earlier ones" if self.replaced else ""))
        for name, language in self.no_rules.items():
            out.append(f"skipped {name}: the codebook has no rules in its language ({language})")
        return out


