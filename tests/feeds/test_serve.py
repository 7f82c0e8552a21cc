"""`inference-report serve`, run as a person runs it, on an empty database."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

from tests.feeds.support import EXAMPLES, PROJECT, check_feed, entries, free_port


async def test_serve_migrates_builds_serves_follows_imports_and_stops(tmp_path: Path) -> None:
    port = free_port()
    public = "http://feeds.example.test"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "PUBLIC_URL", "HOST", "PORT", "LOG_LEVEL"}
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "PUBLIC_URL": public,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "FEED_REFRESH_SECONDS": "0.1",
    }
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli", "serve", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            async with asyncio.timeout(30):
                while True:
                    try:
                        async with session.get(f"{base}/feeds/issues.atom") as response:
                            body = await response.read()
                            break
                    except aiohttp.ClientConnectorError:
                        await asyncio.sleep(0.1)
            assert response.status == 200
            check_feed(body, "atom", f"{public}/feeds/issues.atom")
            assert entries(body, "atom") == []

            ingest = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "cli",
                "ingest",
                str(EXAMPLES / "report-2026-11-19.txt"),
                cwd=PROJECT,
                env=env,
                stdout=asyncio.subprocess.DEVNULL,
            )
            assert await ingest.wait() == 0
            async with asyncio.timeout(30):
                while True:
                    async with session.get(f"{base}/feeds/issues.atom") as response:
                        found = entries(await response.read(), "atom")
                    if found:
                        break
                    await asyncio.sleep(0.1)
            assert found[0]["url"] == f"{public}/issues/2026-11-19"
            async with session.get(f"{base}/issues/2026-11-19") as response:
                assert response.status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(server.communicate(), timeout=30)
    assert server.returncode == 0, err.decode()
    log = err.decode()
    assert "database schema upgraded" in log
    assert f"serving on http://127.0.0.1:{port}, public URL {public}" in log
