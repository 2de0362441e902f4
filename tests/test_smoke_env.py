def test_init_and_users(crm_env):
    r = crm_env.invoke(["users", "add", "bob"])
    assert r.exit_code == 0, r.output
    r = crm_env.invoke(["users", "add", "carol"], user="bob")
    assert r.exit_code == 3
    assert "Only an admin can add users" in r.output
    r = crm_env.invoke(["users", "list", "--json"])
    assert [u["name"] for u in __import__("json").loads(r.output)] == ["admin", "bob"]
