from tests.support import make_client


async def test_smoke(org):
    async with make_client() as client:
        r = await client.get(f"/s/{org.counter}")
        print(r.status_code, len(r.content))
        assert r.status_code == 200, r.text
        r = await client.get("/api/v1/units")
        assert r.status_code == 200, r.text
        print(r.text[:300])
