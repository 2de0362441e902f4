def test_create_many(make_crm_env):
    env = make_crm_env("contacts")
    env.invoke(["extensions", "install", "contacts", "-y"])
    crm = env.crm()
    from crmcore.users import get_user
    from crmcore.changes import changes_since
    store = crm.plugins.modules["contacts"].spec.records
    with crm.session() as s:
        out = store.create_many(s, [{"last_name": "A", "email": "a@example.com"}, {"first_name": "no last"},
                                    {"last_name": "B"}], get_user(s, "admin"))
    assert isinstance(out[0], int) and isinstance(out[2], int) and not isinstance(out[1], int)
    with crm.session() as s:
        snaps = store.get_many(s, [out[0], out[2]])
        assert snaps[out[0]].values["email"] == "a@example.com"
        assert [c.record_id for b in changes_since(s, "contacts", 0) for c in b] == [out[0], out[2]]
