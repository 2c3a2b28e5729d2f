"""Helpers for driving the app with Pilot."""

from textual.app import App


async def settle(app: App[None], pilot) -> None:  # type: ignore[no-untyped-def]
    """Let workers finish and their messages land (no sleeping)."""
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()
