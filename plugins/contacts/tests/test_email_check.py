"""The email check answers exactly as email-validator does, however often a domain was seen before.

``email_problem`` skips email-validator for a plain-shaped address whose domain it already
accepted. These properties compare it with email-validator itself on generated and tricky
addresses: asked first, asked again, and asked after the domain was accepted in another address.
"""
from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crm_contacts import validation
from crm_contacts.validation import email_problem

ATEXT = "abcXYZ019_!#$%&'*+-/=?^`{|}~"
TRICKY = ".@\"<> \\()[]:;,\u00e9\u0338\u200b\uff0e\uff20\u3002\u00ad"
LABELS = ["example", "com", "org", "co", "x", "xn--bcher-kva", "XN--80ak6aa92e", "test", "local",
          "localhost", "invalid", "arpa", "onion", "home", "a-b", "-a", "a-", "ab--cd", "1com",
          "c0m", "a" * 63, "a" * 64, "b\u00fccher", "exa\u0338mple", ""]
PUNYCODE_LONG = "xn--j50i" + "a" * 49  # 50 times U+20000: 57 characters here, 200 bytes decoded


def reference(email: str) -> str | None:
    """The check as it is written without any shortcut: email-validator, then our two rules."""
    try:
        validate_email(email, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        return str(exc).rstrip(".")
    local, _, domain = email.rpartition("@")
    if len(local) > 64:
        return "the part before the @-sign is longer than 64 characters"
    if len(domain.rstrip(".").rpartition(".")[2]) < 2:
        return "the domain after the @-sign must end in a name such as .com"
    return None


locals_ = st.one_of(st.text(ATEXT + ".", min_size=0, max_size=70),
                    st.text(ATEXT + TRICKY, min_size=0, max_size=12),
                    st.sampled_from(["ada", "a.b", ".a", "a.", "a..b", '"a b"', "info", "Postmaster",
                                     "a" * 64, "a" * 65, "ada\u0301"]))
domains = st.one_of(st.lists(st.sampled_from(LABELS), min_size=1, max_size=5).map(".".join),
                    st.text("abcXYZ019.-", min_size=0, max_size=20),
                    st.text("abc.-" + TRICKY, min_size=0, max_size=10),
                    st.builds(lambda n: ".".join(["a" * 60] * n) + ".com", st.integers(1, 5)))


@pytest.fixture(autouse=True)
def _forget_domains():
    validation._GOOD_DOMAINS.clear()
    yield
    validation._GOOD_DOMAINS.clear()


@settings(max_examples=1500, deadline=None)
@given(local=locals_, domain=domains)
@example(local="ada", domain="example.com")
@example(local="a" * 64, domain="b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".com")
@example(local="ada", domain="xn--bcher-kva.example")
@example(local="ada", domain="mail.test")
@example(local="ada", domain="example.com.")
@example(local="a" * 60, domain=PUNYCODE_LONG + ".com")  # 122 characters; 265 bytes decoded
def test_email_check_matches_email_validator(local: str, domain: str) -> None:
    email = f"{local}@{domain}"
    expected = reference(email)
    assert email_problem(email) == expected
    assert email_problem(email) == expected  # asked again (the domain may now be known)
    assert email_problem(f"someone@{domain}") == reference(f"someone@{domain}")
    assert email_problem(email) == expected  # asked after the domain was accepted elsewhere


@settings(max_examples=500, deadline=None)
@given(st.text(min_size=0, max_size=40))
def test_any_text_gets_email_validators_answer(text: str) -> None:
    for email in (text, text + "@example.com", "ada@" + text):
        validation.email_problem("warm@example.com")
        assert email_problem(email) == reference(email)
        assert email_problem(email) == reference(email)


def test_a_known_domain_skips_email_validator(monkeypatch) -> None:
    """The shortcut is taken: a second address at a domain already accepted is not re-checked."""
    calls = []
    real = validation.validate_email

    def counting(email, **options):
        calls.append(email)
        return real(email, **options)

    monkeypatch.setattr(validation, "validate_email", counting)
    assert email_problem("ada@example.com") is None
    assert email_problem("grace@example.com") is None
    assert email_problem("grace..x@example.com") is not None  # not the plain shape: checked
    assert calls == ["ada@example.com", "grace..x@example.com"]
