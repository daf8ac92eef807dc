"""The dashboard's overview shows eNPS by week from the gate's eNPS cells: the figure, its
bands, a chart; the same in the page, its JSON and the section's CSV export."""

from __future__ import annotations

import json

from aiohttp.test_utils import TestClient, TestServer

from bot.web.dashboard import standalone_app
from tests.handlers.dashboard.conftest import sign_in
from tests.handlers.pulse.test_enps import (
    ORG,
    SCORES,
    add_enps_schedule,
    close_and_publish,
    open_round,
)
from tests.support import click_score, import_org


async def test_the_overview_shows_enps_and_its_bands_in_page_json_and_export(
    runtime, router, cli
) -> None:  # type: ignore[no-untyped-def]
    import_org(runtime, ORG)
    add_enps_schedule(cli)
    open_round(runtime)
    for email, score in SCORES.items():
        click_score(runtime, router, email, score)
    close_and_publish(runtime)

    async with TestClient(TestServer(standalone_app(runtime), host="127.0.0.1")) as client:
        await sign_in(client, runtime, "mo")
        data = json.loads(await (await client.get("/dashboard/overview.json?scope=org")).text())
        (row,) = data["sections"]["enps"]["rows"]
        assert row["status"] == "shown" and row["enps"] == 20
        assert (row["promoters_percent"], row["passives_percent"], row["detractors_percent"]) == (
            50,
            20,
            30,
        )
        page = await (await client.get("/dashboard/overview?scope=org")).text()
        assert "eNPS by week" in page and "eNPS (% promoters - % detractors)" in page
        export = await (await client.get("/dashboard/export/overview/enps.csv?scope=org")).text()
        assert export.splitlines()[0].startswith("week,status,withheld_because,respondents,enps")
        assert ",shown,,10-19,20,50,20,30" in export
        # the 1-5 score chart stays about the themes: eNPS is not a mean on it
        assert all(r["theme"] != "eNPS" for r in data["sections"]["score"]["rows"])
