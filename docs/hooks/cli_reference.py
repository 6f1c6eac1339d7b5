"""MkDocs hook: the command-line reference is generated from the argparse parsers, never written twice."""

from __future__ import annotations

import argparse

MARK = "<!-- cli-reference -->"


def render_reference() -> str:
    """Return every command's help text (the parsers' own), as Markdown."""
    from analysis.cli import _parser  # imported here: only the docs build needs it

    parser = _parser()
    parts = ["```text", parser.format_help().rstrip(), "```"]
    for action in parser._subparsers._group_actions:  # argparse keeps its subcommands here
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                parts += ["", f"### `{name}`", "", "```text", sub.format_help().rstrip(), "```"]
    return "\n".join(parts)


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Replace the reference mark on the command-line page with the generated reference."""
    return markdown.replace(MARK, render_reference()) if MARK in markdown else markdown
