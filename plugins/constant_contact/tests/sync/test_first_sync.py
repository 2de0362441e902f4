

def test_smoke(world):
    world.add(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    world.seed(world.contact("grace@example.com", "Grace", "Hopper"))
    s = world.sync()
    print(s.counts, s.requests)
    assert world.remote("ada@example.com")["first_name"] == "Ada"
    assert world.by_email("grace@example.com")["last_name"] == "Hopper"
    s2 = world.sync()
    print(s2.counts, s2.requests)
