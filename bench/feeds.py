"""Benchmark the feeds: requests per second beside nginx serving the same bytes, and rebuild time.

Run: python bench/feeds.py [--issues 60] [--seconds 5] [--connections 64]

Imports `--issues` dated issues into a fresh SQLite database, starts `inference-report serve` on
127.0.0.1 (access log off) and fetches its largest feed, the issues feed in Atom (50 issues in
full), then writes those same bytes to a temporary folder that nginx (1 worker, on 127.0.0.1)
serves as a static file. The load generator (wrk if installed, else a Python aiohttp client; the
output says which) asks both for a 200 and for a 304 (If-None-Match with each server's ETag), for
`--seconds` each, and the ratios to nginx are printed (aim: 0.5 or more for 200s). With taskset
available, the servers run on CPU 0 and the load generator on CPU 1. Last, the median time to
rebuild a 50-entry feed in each format: database read, HTML render, write, gzip and digest
(aim: under 20 ms), with the fastest and the SQL statements each read sends. Everything runs on
127.0.0.1 and is removed afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import Settings  # noqa: E402
from core.ingest.store import ingest  # noqa: E402
from feeds.built import Built  # noqa: E402
from feeds.data import FeedContext  # noqa: E402
from feeds.documents import issues_feed  # noqa: E402
from feeds.model import FORMATS  # noqa: E402
from feeds.render import FRAGMENTS  # noqa: E402
from feeds.targets import serialise  # noqa: E402
from storage import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

EXAMPLES = sorted((ROOT / "config" / "examples").glob("report-*.txt"))
PUBLIC = "http://feeds.example.test"
FEED = "/feeds/issues.atom"
NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {folder}/nginx-body;
    proxy_temp_path {folder}/nginx-proxy;
    fastcgi_temp_path {folder}/nginx-fastcgi;
    uwsgi_temp_path {folder}/nginx-uwsgi;
    scgi_temp_path {folder}/nginx-scgi;
    types {{ application/atom+xml atom; }}
    server {{
        listen 127.0.0.1:{port};
        root {folder}/static;
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(cpu: int, command: list[str]) -> list[str]:
    """Return `command` pinned to one CPU when taskset and a second CPU are there."""
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        return ["taskset", "-c", str(cpu), *command]
    return command


async def load_data(db_path: Path, issues: int) -> None:
    """Import `issues` dated copies of the example issues."""
    db = Database(f"sqlite:///{db_path}")
    await upgrade(db)
    first = dt.date(2026, 1, 1)
    for number in range(issues):
        date = first + dt.timedelta(days=number)
        text = EXAMPLES[number % len(EXAMPLES)].read_text()
        dated = re.sub(
            r"^November \d+, 2026$",
            f"{date:%B} {date.day}, {date.year}",
            text,
            count=1,
            flags=re.MULTILINE,
        )
        await ingest(db, dated)
    await db.dispose()


async def wait_ready(url: str) -> None:
    """Wait up to a minute for `url` to answer."""
    async with asyncio.timeout(60), aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as response:
                    await response.read()
                    return
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)


async def fetch(url: str, **headers: str) -> tuple[int, bytes, dict[str, str]]:
    headers.setdefault("Accept-Encoding", "identity")
    async with (
        aiohttp.ClientSession(auto_decompress=False) as session,
        session.get(url, headers=headers) as response,
    ):
        return response.status, await response.read(), dict(response.headers)


def wrk(url: str, seconds: float, connections: int, headers: dict[str, str]) -> float:
    """Return wrk's requests per second, checking no request failed."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{round(seconds)}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(
        pinned(1, [*command, url]), capture_output=True, text=True, check=True, timeout=seconds + 60
    )
    if "Non-2xx or 3xx" in done.stdout or "Socket errors" in done.stdout:
        raise SystemExit(f"wrk saw errors against {url}:\n{done.stdout}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    if match is None:
        raise SystemExit(f"could not read wrk's output:\n{done.stdout}")
    return float(match.group(1))


def python_load(url: str, seconds: float, connections: int, headers: dict[str, str]) -> float:
    """Return requests per second from an aiohttp client; slower than wrk, so a lower bound."""

    async def run() -> float:
        count = 0
        deadline = time.monotonic() + seconds
        connector = aiohttp.TCPConnector(limit=connections)
        async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as session:

            async def worker() -> None:
                nonlocal count
                while time.monotonic() < deadline:
                    async with session.get(url, headers=headers) as response:
                        await response.read()
                        if response.status not in {200, 304}:
                            raise SystemExit(f"{url} answered {response.status}")
                    count += 1

            start = time.monotonic()
            await asyncio.gather(*(worker() for _ in range(connections)))
            return count / (time.monotonic() - start)

    return asyncio.run(run())


def start_nginx(folder: Path, body: bytes) -> tuple[subprocess.Popen[bytes], str] | None:
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        return None
    static = folder / "static" / "feeds"
    static.mkdir(parents=True)
    (static / "issues.atom").write_bytes(body)
    # nginx's worker may run as another user: let it read the folder.
    for path in (folder, folder / "static", static):
        path.chmod(0o755)
    (static / "issues.atom").chmod(0o644)
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(folder=folder, port=port))
    process = subprocess.Popen(
        pinned(
            0, [nginx, "-p", str(folder), "-c", str(conf), "-e", str(folder / "nginx-error.log")]
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process, f"http://127.0.0.1:{port}{FEED}"


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def rebuild_times(db_path: Path, repeat: int) -> dict[str, dict[str, float]]:
    """Return, per format, median times (ms) of each step of a rebuild, the best, and the size."""
    settings = Settings(_env_file=None, public_url=PUBLIC, feed_page_size=50)  # type: ignore[call-arg]
    ctx = FeedContext.from_settings(settings)
    db = Database(f"sqlite:///{db_path}")
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    results = {}
    async with db.session() as session:
        for fmt in FORMATS:
            times: dict[str, list[float]] = {"cold": [], "warm": [], "write": [], "gzip": []}
            size = 0
            for cached in (False, True):
                for _ in range(repeat):
                    if not cached:
                        FRAGMENTS.clear()
                    statements = 0
                    start = time.perf_counter()
                    doc = await issues_feed(session, ctx)
                    assert doc is not None and len(doc.items) == 50
                    read = time.perf_counter()
                    rendered = serialise(ctx, doc, fmt)
                    written = time.perf_counter()
                    built = Built.of(rendered, max_age=300)
                    end = time.perf_counter()
                    times["warm" if cached else "cold"].append(end - start)
                    times["write"].append(written - read)
                    times["gzip"].append(end - written)
                    size = len(built.body)
            results[fmt] = {key: statistics.median(values) * 1000 for key, values in times.items()}
            results[fmt]["best"] = min(times["warm"]) * 1000
            results[fmt]["size"] = size
            results[fmt]["statements"] = statements
    await db.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    load = wrk if shutil.which("wrk") else python_load
    generator = (
        "wrk (Debian package), 1 thread"
        if load is wrk
        else "a Python aiohttp client (wrk is not installed: apt-get install wrk)"
    )
    with tempfile.TemporaryDirectory(prefix="bench-feeds-") as name:
        folder = Path(name)
        db_path = folder / "bench.db"
        asyncio.run(load_data(db_path, args.issues))
        port = free_port()
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "PUBLIC_URL", "HOST", "PORT", "LOG_LEVEL"}
        }
        env |= {
            "DATABASE_URL": f"sqlite:///{db_path}",
            "PUBLIC_URL": PUBLIC,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            pinned(0, [sys.executable, "-m", "cli", "serve"]),
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        nginx = None
        try:
            ours_url = f"http://127.0.0.1:{port}{FEED}"
            asyncio.run(wait_ready(ours_url))
            _, body, headers = asyncio.run(fetch(ours_url))
            ours_etag = headers["Etag"]
            started = start_nginx(folder, body)
            rates: dict[str, dict[str, float]] = {"ours": {}}
            each = f"{args.connections} connections, {args.seconds:g} s each"
            print(f"load generator: {generator}, {each}")
            print(f"feed: {FEED}, {len(body):,} bytes, {args.issues} issues stored, 50 in the feed")
            print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            urls = {"ours": (ours_url, ours_etag)}
            if started is None:
                print("nginx: not installed (apt-get install nginx): no reference, no ratios")
            else:
                nginx, nginx_url = started
                asyncio.run(wait_ready(nginx_url))
                status, static, nginx_headers = asyncio.run(fetch(nginx_url))
                if (status, static) != (200, body):
                    raise SystemExit("nginx does not serve the same bytes")
                urls["nginx"] = (nginx_url, nginx_headers["Etag"])
                rates["nginx"] = {}
            for server_name, (url, etag) in urls.items():
                status, _, _ = asyncio.run(fetch(url, **{"If-None-Match": etag}))
                if status != 304:
                    raise SystemExit(f"{server_name} answered {status} to a current If-None-Match")
            for kind in ("200", "304"):
                for server_name, (url, etag) in urls.items():
                    extra = {"If-None-Match": etag} if kind == "304" else {}
                    load(url, 1.0, args.connections, extra)  # warm up
                    rates[server_name][kind] = load(url, args.seconds, args.connections, extra)
        finally:
            stop(server)
            if nginx is not None:
                stop(nginx)

        print("\nrequests per second:")
        print(f"  {'':6} {'ours':>10} {'nginx':>10} {'ratio':>7}")
        for kind in ("200", "304"):
            ours = rates["ours"][kind]
            if "nginx" in rates:
                reference = rates["nginx"][kind]
                aim = "   (aim >= 0.5)" if kind == "200" else ""
                print(f"  {kind:6} {ours:10,.0f} {reference:10,.0f} {ours / reference:7.2f}{aim}")
            else:
                print(f"  {kind:6} {ours:10,.0f} {'-':>10} {'-':>7}")

        print(f"\nrebuild of a 50-entry issues feed, median of {args.repeat} (aim < 20 ms):")
        print("  full: database read + HTML render + write + gzip + digest; cold renders every")
        print("  entry, warm only those whose data changed (none here), as after an import;")
        print("  best: the fastest warm one, the least a shared machine's load left in")
        header = ("", "full cold", "full warm", "best", "write", "gzip+etag", "bytes", "SQL")
        print("  {:5} {:>10} {:>10} {:>8} {:>8} {:>10} {:>9} {:>4}".format(*header))
        for fmt, t in asyncio.run(rebuild_times(db_path, args.repeat)).items():
            print(
                f"  {fmt:5} {t['cold']:7.2f} ms {t['warm']:7.2f} ms {t['best']:5.2f} ms"
                f" {t['write']:5.2f} ms {t['gzip']:7.2f} ms {int(t['size']):9,}"
                f" {int(t['statements']):4}"
            )
        print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
