"""A row without quotes is split as the csv module splits it (the import splits such rows itself)."""
from __future__ import annotations

import csv

from hypothesis import example, given, settings
from hypothesis import strategies as st

from crm_contacts.csvrows import MAX_CELL, _parse

BODY = st.text(st.sampled_from(list("ab ,;\t'=é\u2028\x0b\x0c\x1b\u200b") + ['"', "\x00"]),
               max_size=30)
ENDING = st.sampled_from(["", "\n", "\r\n", "\r"])


def reference(text: str, delimiter: str) -> list[str]:
    cells = next(csv.reader([text], delimiter=delimiter), [])
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


@settings(max_examples=1500, deadline=None)
@given(body=BODY, ending=ENDING, delimiter=st.sampled_from([",", ";", "\t"]))
@example(body="a" * (MAX_CELL + 1), ending="\n", delimiter=",")
@example(body="a,b" + "c" * MAX_CELL, ending="\n", delimiter=",")
@example(body=" , ,", ending="\r\n", delimiter=",")
@example(body="a" * MAX_CELL, ending="", delimiter=",")
@example(body="a" * (MAX_CELL - 1), ending="\n", delimiter=",")
@example(body="a" * MAX_CELL, ending="\r\n", delimiter=",")
def test_a_row_is_split_as_the_csv_module_splits_it(body: str, ending: str, delimiter: str) -> None:
    text = body + ending
    record = _parse(text, delimiter, 3, 3)
    try:
        expected = reference(text, delimiter)
    except csv.Error:
        assert record.problem is not None and record.cells == []
        return
    if "\x00" in text:
        assert record.problem is not None
        return
    assert record.problem is None and record.cells == expected
