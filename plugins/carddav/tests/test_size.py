"""The connector stays small (under 600 lines of code, tests excluded): the framework carries the
weight. A line of code holds a token other than a comment or a docstring."""
from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import crm_carddav

LIMIT = 600


def code_lines(source: str) -> int:
    """How many lines of ``source`` hold code: blank lines, comments and docstrings (a string
    that opens a module, class or function) do not count."""
    docstrings: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            docstrings.update(range(body[0].lineno, body[0].end_lineno + 1))
    lines: set[int] = set()
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENDMARKER}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in skip:
            lines.update(n for n in range(token.start[0], token.end[0] + 1) if n not in docstrings)
    return len(lines)


def test_the_counter_skips_blank_lines_comments_and_docstrings():
    source = '"""Module."""\n\n# a comment\ndef f(x):\n    """Doc\n    string."""\n    return (x +\n' \
             '            1)  # trailing\n'
    assert code_lines(source) == 3


def test_the_connector_is_under_600_lines_of_code():
    package = Path(crm_carddav.__file__).parent
    counted = {p.name: code_lines(p.read_text("utf-8")) for p in sorted(package.rglob("*.py"))}
    assert sum(counted.values()) < LIMIT, counted
