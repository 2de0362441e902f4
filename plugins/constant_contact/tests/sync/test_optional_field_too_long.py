"""An optional field Constant Contact cannot hold is left out of the write, not the whole contact."""
from __future__ import annotations

import json


def test_a_too_long_phone_is_left_out_with_a_warning_and_the_contact_is_synced(world):
    long_phone = "+1 (555) 010-0000 ext. 12345"  # 28 characters; Constant Contact allows 25
    world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com",
              mobile_phone=long_phone, office_phone="+44 20 7946 0000")
    run = world.sync()
    assert run.counts["constant-contact"]["created"] == 1
    assert run.counts["constant-contact"]["skipped"] == 0
    remote = world.remote("ada@example.com")
    assert remote["last_name"] == "Lovelace"
    phones = [p["phone_number"] for p in remote.get("phone_numbers") or []]
    assert phones == ["+44 20 7946 0000"]
    out = world.env.invoke(["sync", "log", "constant-contact", str(run.run_id), "--action",
                            "warning", "--json"])
    assert out.exit_code == 0, out.output
    [row] = json.loads(out.output)["records"]
    assert row["reason"] == ("mobile phone is 28 characters; Constant Contact allows 25: left out "
                             "of the write, the rest was sent")
    assert world.by_email("ada@example.com")["mobile_phone"] == long_phone  # the CRM keeps it
    again = world.sync()
    assert again.counts["constant-contact"]["updated"] == 0
    assert again.counts["crm"]["updated"] == 0 and again.counts["crm"]["deleted"] == 0
    assert world.by_email("ada@example.com")["mobile_phone"] == long_phone
    # a later change in Constant Contact is pulled without erasing what the remote could not hold
    world.sandbox.update_contact(remote["contact_id"], {"job_title": "Analyst"})
    world.sync()
    ada = world.by_email("ada@example.com")
    assert ada["title"] == "Analyst" and ada["mobile_phone"] == long_phone
