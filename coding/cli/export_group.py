"""``coding export``: the group that every export format adds a subcommand to.

Each area registers its own subcommand from its own module::

    from .export_group import export_group

    @export_group.command("docx")
    ...
"""

from __future__ import annotations

from . import cli


@cli.group("export")
def export_group() -> None:
    """Write the project's transcripts, codings and analyses to Word, Excel or REFI files.

    Example: coding export docx interview_nordby.docx -o nordby_coded.docx --coder anna
    """
