"""CSRF protection covers every form: each route that accepts POST, the plugins' pages included,
refuses a signed-in user's request that lacks the form's token (and changes nothing)."""
from __future__ import annotations

ARGS = {"name": "constant-contact", "record_id": "1", "run": "1"}


def test_every_post_route_refuses_a_request_without_its_csrf_token(web):
    web.install("contacts", "constant-contact")
    client = web.login()
    posts = [rule for rule in web.app.url_map.iter_rules() if "POST" in (rule.methods or ())]
    assert {r.endpoint.split(".")[0] for r in posts} >= {"auth", "sync", "contacts", "extensions"}
    assert len(posts) >= 15
    for rule in posts:
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<int:{arg}>", ARGS[arg]).replace(f"<{arg}>", ARGS[arg])
        response = client.post(path, data={"name": "contacts", "last_name": "X", "purge": "yes"})
        assert response.status_code == 400, (rule.rule, response.status_code)
        assert "Form expired" in response.text, rule.rule
    assert client.get("/contacts").status_code == 200  # still signed in, still installed
    assert "constant-contact" in client.get("/extensions").text
