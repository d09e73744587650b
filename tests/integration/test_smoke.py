from support.world import World


def test_clear_then_verify(world: World) -> None:
    before = world.verify()
    assert before.eligible is False
    result = world.clear("150.00")
    assert str(result.applied) == "150.00"
    assert str(result.remaining) == "450.00"
