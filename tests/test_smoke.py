from tests.conftest import Api, World

VIEWER = "{ viewer { roles partner { name kind } } }"


async def test_a_token_answers_the_viewer_query(api: Api, world: World) -> None:
    data = await api.data(VIEWER, token=world.admin("direct"))
    assert data == {
        "viewer": {"roles": ["global_admin"], "partner": {"name": "Contoso", "kind": "DIRECT_BILL"}}
    }
