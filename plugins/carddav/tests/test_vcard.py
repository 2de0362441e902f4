"""Real-world vCard quirks: reading them, and writing back only what the mapping changed."""
from __future__ import annotations

import vobject

from crm_carddav.vcard import new_card, parse_lines, read_card, unfold, write_card

V4 = (
    "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:4f1c\r\nFN:Zoë Ämber-Łukasiewicz\r\n"
    "N:Ämber-Łukasiewicz;Zoë;;Dr.;\r\n"
    "EMAIL;TYPE=\"work,pref\":zoe@example.org\r\nEMAIL;TYPE=home:zoe@home.example\r\n"
    "TEL;VALUE=uri;TYPE=\"cell,voice\":tel:+44-7700-900123\r\n"
    "ADR;TYPE=work:;Suite 2;1 Main St\\, Floor 3;Springfield;IL;62701;USA\r\n"
    "ORG:Acme\\, Inc.;Research\r\nBDAY:--0229\r\n"
    "NOTE:Met at the fair\\; likes tea\\, not coffee\\nSecond line which is long enough to be f\r\n"
    " olded by the server at seventy-five octets\r\n"
    "PHOTO:data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk\r\n"
    " +M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\r\n"
    "item1.URL:https://example.org/zoe\r\nitem1.X-ABLABEL:blog\r\nX-CUSTOM;X-P=1:kept\r\n"
    "END:VCARD\r\n")

V3 = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\n"
    "N:Hopper;Grace;Brewster;;\r\nFN:Grace Hopper\r\n"
    "EMAIL;TYPE=INTERNET;TYPE=WORK;TYPE=pref:grace@navy.example\r\n"
    "TEL;TYPE=CELL;TYPE=VOICE:+1 555 0100\r\nTEL;TYPE=WORK:+1 555 0101\r\nTEL;TYPE=HOME:+1 555 0102\r\n"
    "ADR;TYPE=HOME:;;12 Elm St;Arlington;VA;22201;USA\r\n"
    "BDAY;X-APPLE-OMIT-YEAR=1604:1604-12-09\r\n"
    "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHR\r\n"
    " oeHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/\r\n"
    "END:VCARD\r\n")


def test_folded_lines_unfold_even_inside_a_utf8_character():
    name = "Zoë".encode()
    folded = b"BEGIN:VCARD\r\nFN:Zo" + name[2:3] + b"\r\n " + name[3:] + b"\r\nEND:VCARD\r\n"
    assert unfold(folded)[1] == "FN:Zoë"
    assert read_card(V4).values["note"].endswith("folded by the server at seventy-five octets")


def test_vcard4_values_escapes_types_and_non_ascii():
    values = read_card(V4).values
    assert values["given_name"] == "Zoë" and values["family_name"] == "Ämber-Łukasiewicz"
    assert values["work_email"] == "zoe@example.org" and values["home_email"] == "zoe@home.example"
    assert values["cell_phone"] == "+44-7700-900123"  # tel: URI in vCard 4.0
    assert values["work_street"] == "1 Main St, Floor 3" and values["work_postal_code"] == "62701"
    assert values["organization"] == "Acme, Inc."
    assert values["note"].startswith("Met at the fair; likes tea, not coffee\nSecond line")
    assert values["birthday"] == "--02-29"  # no year


def test_vcard3_repeated_type_parameters_and_apple_yearless_birthday():
    values = read_card(V3).values
    assert values["work_email"] == "grace@navy.example"
    assert (values["cell_phone"], values["work_phone"], values["home_phone"]) == (
        "+1 555 0100", "+1 555 0101", "+1 555 0102")
    assert values["home_city"] == "Arlington" and values["work_city"] is None
    assert values["birthday"] == "--12-09"


def test_a_card_without_n_takes_its_names_from_fn():
    values = read_card("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Jean-Luc de la Tour\r\nEND:VCARD\r\n").values
    assert (values["given_name"], values["family_name"]) == ("Jean-Luc de la", "Tour")


def test_untyped_properties_fill_the_first_free_kind():
    values = read_card("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A B\r\nN:B;A;;;\r\nEMAIL:one@x.org\r\n"
                       "EMAIL;TYPE=WORK:two@x.org\r\nTEL:+1 2\r\nEND:VCARD\r\n").values
    assert values["work_email"] == "two@x.org" and values["home_email"] == "one@x.org"
    assert values["cell_phone"] == "+1 2"  # kinds in order: cell, work, home


def test_writing_changes_only_mapped_properties_and_keeps_the_photo():
    out = write_card(V4, {"family_name": "Ämber", "work_email": "zoe@new.example",
                          "home_email": "zoe@home.example", "note": "Tea; no coffee, ever"})
    before, after = unfold(V4), unfold(out)
    kept = [ln for ln in before if not ln.startswith(("N:", "FN:", "EMAIL;TYPE=\"work", "NOTE:"))]
    assert [ln for ln in after if ln in kept] == kept  # every other line, byte for byte, in order
    values = read_card(out).values
    assert values["family_name"] == "Ämber" and values["given_name"] == "Zoë"
    assert values["full_name"] == "Zoë Ämber"
    assert values["work_email"] == "zoe@new.example"
    assert values["note"] == "Tea; no coffee, ever"
    assert 'EMAIL;TYPE="work,pref":zoe@new.example' in after  # parameters kept
    assert "N:Ämber;Zoë;;Dr.;" in after  # honorific prefix kept
    assert any(ln.startswith("PHOTO:data:image/png;base64,iVBOR") and ln.endswith("ggg==") for ln in after)
    assert all(len(raw.encode()) <= 75 for raw in out.split("\r\n"))
    assert vobject.readOne(out).n.value.family == "Ämber"  # still a valid card for vobject


def test_writing_vcard3_keeps_its_style_and_clears_fields():
    out = write_card(V3, {"work_email": None, "home_email": "g@home.example", "work_city": "Washington",
                          "home_street": None, "home_city": None, "home_region": None,
                          "home_postal_code": None, "home_country": None, "birthday": "1906-12-09"})
    after = unfold(out)
    assert "EMAIL;TYPE=HOME:g@home.example" in after
    assert not any(ln.startswith("EMAIL;TYPE=INTERNET") for ln in after)
    assert "ADR;TYPE=WORK:;;;Washington;;;" in after and not any("Elm St" in ln for ln in after)
    assert "BDAY;X-APPLE-OMIT-YEAR=1604:1906-12-09" in after
    assert read_card(out).values["birthday"] == "1906-12-09"
    assert any(ln.startswith("PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ") for ln in after)


def test_yearless_birthday_is_written_in_each_versions_form():
    v4 = write_card(new_card("4.0"), {"family_name": "X", "birthday": "--02-29"})
    v3 = write_card(new_card("3.0"), {"family_name": "X", "birthday": "--02-29"})
    assert "BDAY:--0229" in unfold(v4) and "BDAY:--02-29" in unfold(v3)
    assert read_card(v4).values["birthday"] == read_card(v3).values["birthday"] == "--02-29"


def test_a_new_card_has_fn_n_and_uid_and_values_survive_escaping():
    out = write_card(new_card(), {"given_name": "Ann", "family_name": "O'Neil, Jr.",
                                  "organization": "A;B", "work_street": "1 Rd\nBlock C"})
    names = [ln.name for ln in parse_lines(out)]
    assert {"UID", "FN", "N", "ORG", "ADR"} <= set(names)
    values = read_card(out).values
    assert values["family_name"] == "O'Neil, Jr." and values["full_name"] == "Ann O'Neil, Jr."
    assert values["organization"] == "A;B" and values["work_street"] == "1 Rd\nBlock C"
    assert read_card(write_card(new_card(), {"organization": "Only Org"})).values["full_name"] == "Only Org"


def test_unchanged_values_write_the_same_card():
    assert unfold(write_card(V3, read_card(V3).values)) == unfold(V3)
    assert unfold(write_card(V4, read_card(V4).values)) == unfold(V4)
