"""Browser-test plumbing: Debian's Chromium for Playwright, JupyterLab and Voila servers.

Registered as a pytest plugin from ``tests/conftest.py``::

    pytest_plugins = ["browser_fixtures"]

(``tests/`` has no ``__init__.py``, so pytest puts it on ``sys.path`` when it
imports ``tests/conftest.py``, and the module is importable by that name.)

What it gives a test
--------------------
* pytest-playwright's ``page``, ``context`` and ``browser`` fixtures, launched
  from Debian's Chromium at ``/usr/bin/chromium`` (``playwright install`` is
  never used; its browser downloads are not reachable here). When Chromium is
  missing, browser tests fail under ``CI=true`` and are skipped elsewhere, with
  the command that installs it.
* ``jupyterlab_server(root_dir, env=None)``: starts JupyterLab on a free
  localhost port in ``root_dir`` and returns a :class:`Server` once it answers.
* ``voila_server(notebook, env=None)``: the same for a notebook served by Voila.
* ``wait_for_kernel_idle(page)``, ``run_all_cells(page)`` and
  ``wait_for_voila_app(page)``: page helpers that wait on what JupyterLab and
  Voila show, never on a fixed sleep.
* ``artifacts_dir``: ``test-artifacts/`` at the repository root, for
  screenshots a person can look at after the run.

Servers are stopped when the test ends, kernels included. Every server gets its
own Jupyter configuration, runtime, data and settings folders in a temporary
directory, so nothing a developer has in ``~/.jupyter`` changes what a test
sees, and JupyterLab's news and update checks (requests to the internet) are off.

Ordering
--------
Playwright's synchronous API keeps an asyncio event loop marked as running in
the main thread for as long as the session-scoped browser lives, and from then
on ``asyncio.run`` fails in that thread. Tests marked ``browser`` therefore run
after all other tests (relative order kept), so the browser starts only after
every other test has finished with asyncio.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Mapping

import pytest

__all__ = [
    "CHROMIUM_ARGS",
    "Server",
    "artifacts_dir",
    "browser_context_args",
    "browser_type_launch_args",
    "chromium_path",
    "free_port",
    "jupyterlab_server",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "start_jupyterlab",
    "run_all_cells",
    "start_voila",
    "voila_server",
    "wait_for_kernel_idle",
    "wait_for_voila_app",
]

#: Where Debian's ``chromium`` package puts the browser; ``CHROMIUM=/path`` overrides it.
DEFAULT_CHROMIUM = "/usr/bin/chromium"

#: Flags for a headless Chromium that runs as root and never calls home.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

_STARTUP_TIMEOUT = 120.0
_STOP_TIMEOUT = 10.0
_INSTALL_HINT = "install it with `apt-get install chromium` (Debian) or point CHROMIUM at a Chromium binary"


def chromium_path() -> Path | None:
    """Return the Chromium binary the browser tests use, or None when it is missing.

    ``$CHROMIUM`` wins when set; otherwise Debian's ``/usr/bin/chromium``.
    """
    candidate = Path(os.environ.get("CHROMIUM", DEFAULT_CHROMIUM))
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    return None


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _require_chromium() -> Path:
    path = chromium_path()
    if path is not None:
        return path
    wanted = os.environ.get("CHROMIUM", DEFAULT_CHROMIUM)
    message = f"Chromium not found at {wanted}: {_INSTALL_HINT}"
    if _in_ci():
        pytest.fail(f"{message} (CI=true: browser tests must run, not skip)", pytrace=False)
    pytest.skip(message)


# --------------------------------------------------------------------------- hooks


def pytest_configure(config: pytest.Config) -> None:
    """Silence one deprecation warning raised inside pytest-playwright itself.

    pytest-playwright 0.10 defines its ``base_url`` fixture as a method; pytest 9
    warns about that on every run. Nothing in this project can act on it.
    """
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Session-scoped fixtures defined as instance methods:pytest.PytestRemovedIn10Warning",
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run tests marked ``browser`` last (see the module docstring: Ordering)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


# ----------------------------------------------------------------- playwright set-up


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch arguments, pointed at Debian's Chromium."""
    executable = _require_chromium()
    args = list(browser_type_launch_args.get("args", []))
    args += [flag for flag in CHROMIUM_ARGS if flag not in args]
    return {**browser_type_launch_args, "executable_path": str(executable), "args": args}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A fixed viewport, so screenshots from different runs compare."""
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def artifacts_dir(pytestconfig: pytest.Config) -> Path:
    """``test-artifacts/`` at the repository root (ignored by git), created on demand."""
    path = pytestconfig.rootpath / "test-artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


# ------------------------------------------------------------------------- servers


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A JupyterLab or Voila process started by a test.

    Attributes
    ----------
    name : str
        ``"jupyterlab"`` or ``"voila"``, used in messages.
    url : str
        Base URL with a trailing slash, e.g. ``http://127.0.0.1:43121/``.
    token : str
        JupyterLab's token (empty for Voila, which has none).
    process : subprocess.Popen
        The server process; it leads its own process group.
    log_path : pathlib.Path
        The server's combined stdout and stderr.
    """

    name: str
    url: str
    token: str
    process: subprocess.Popen
    log_path: Path
    _stopped: bool = field(default=False, repr=False)

    def lab_url(self, path: str = "") -> str:
        """URL that opens ``path`` (relative to the root folder) in JupyterLab, token included."""
        return f"{self.url}lab/tree/{path}?token={self.token}"

    def log(self) -> str:
        """The server log so far (for failure messages)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the server and every process it started (kernels included).

        SIGTERM first, so Jupyter shuts its kernels down cleanly; whatever is
        still alive after a few seconds is killed.
        """
        if self._stopped:
            return
        self._stopped = True
        import psutil  # a dependency of ipykernel, so always present

        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.Error:
            children = []
        _signal_group(self.process, signal.SIGTERM)
        try:
            self.process.wait(timeout=_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            _signal_group(self.process, signal.SIGKILL)
            self.process.wait(timeout=_STOP_TIMEOUT)
        _gone, alive = psutil.wait_procs(children, timeout=_STOP_TIMEOUT)
        for child in alive:
            try:
                child.kill()
            except psutil.Error:
                pass

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def _jupyter_env(home: Path, extra: Mapping[str, str] | None) -> dict[str, str]:
    """Environment for a server: this venv first on PATH, private Jupyter folders."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    folders = {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces",
        "IPYTHONDIR": "ipython",
    }
    for variable, name in folders.items():
        (home / name).mkdir(parents=True, exist_ok=True)
        env[variable] = str(home / name)
    # No news or update checks: the toast would cover the page and the
    # request would leave the machine.
    notification = home / "lab-settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True, exist_ok=True)
    notification.write_text('{"fetchNews": "false", "checkForUpdates": false}\n')
    env.update(extra or {})
    return env


def _wait_until_ready(server: Server, probe: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with code {server.process.returncode} before it was ready; "
                f"log {server.log_path}:\n{server.log()[-4000:]}"
            )
        try:
            with urllib.request.urlopen(probe, timeout=5) as response:
                if response.status == 200:
                    return
                last_error = f"HTTP {response.status}"
        except (urllib.error.URLError, OSError) as error:
            last_error = str(error)
        time.sleep(0.25)
    server.stop()
    raise RuntimeError(
        f"{server.name} did not answer {probe} within {timeout:.0f} s (last: {last_error}); "
        f"log {server.log_path}:\n{server.log()[-4000:]}"
    )


def _launch(name: str, command: list[str], *, cwd: Path, env: dict[str, str], log_path: Path,
            url: str, token: str) -> Server:
    log = open(log_path, "ab")
    try:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    finally:
        log.close()
    return Server(name=name, url=url, token=token, process=process, log_path=log_path)


def start_jupyterlab(root_dir: Path, *, work_dir: Path | None = None,
                     env: Mapping[str, str] | None = None,
                     timeout: float = _STARTUP_TIMEOUT) -> Server:
    """Start JupyterLab on ``root_dir`` and return once ``/lab`` answers.

    Parameters
    ----------
    root_dir : pathlib.Path
        The folder JupyterLab shows (copy the notebooks under test there).
    work_dir : pathlib.Path, optional
        Where the private Jupyter folders and the log go; a new temporary
        folder when omitted.
    env : mapping, optional
        Extra environment variables for the server and its kernels.
    timeout : float
        Seconds to wait for the server to answer.

    Returns
    -------
    Server
        Open ``server.lab_url("notebook.ipynb")`` in the browser; call
        ``server.stop()`` (or use it as a context manager) when done.
    """
    work_dir = Path(work_dir or tempfile.mkdtemp(prefix="jupyterlab-"))
    full_env = _jupyter_env(work_dir, env)
    token = os.urandom(16).hex()
    port = free_port()
    command = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={Path(root_dir).resolve()}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # window.jupyterapp, for run_all_cells (as JupyterLab's own galata tests do).
        "--LabApp.expose_app_in_browser=True",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    url = f"http://127.0.0.1:{port}/"
    server = _launch("jupyterlab", command, cwd=Path(root_dir), env=full_env,
                     log_path=work_dir / "jupyterlab.log", url=url, token=token)
    _wait_until_ready(server, f"{url}lab?token={token}", timeout)
    return server


def start_voila(notebook: Path, *, work_dir: Path | None = None,
                env: Mapping[str, str] | None = None,
                timeout: float = _STARTUP_TIMEOUT, token: str = "") -> Server:
    """Serve ``notebook`` with Voila and return once its static files answer.

    The kernel runs in the notebook's folder. Readiness is probed on
    ``/voila/static/voila.js``; the rendered app itself is at ``server.url``.
    Parameters as for :func:`start_jupyterlab`; ``token`` serves the app behind
    Jupyter's token authentication, as ``make interview`` does.
    """
    notebook = Path(notebook).resolve()
    work_dir = Path(work_dir or tempfile.mkdtemp(prefix="voila-"))
    full_env = _jupyter_env(work_dir, env)
    port = free_port()
    command = [
        sys.executable, "-m", "voila", str(notebook),
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--port={port}",
        "--Voila.port_retries=0",
        "--show_tracebacks=True",
    ]
    if token:
        command.append(f"--token={token}")
    url = f"http://127.0.0.1:{port}/"
    server = _launch("voila", command, cwd=notebook.parent, env=full_env,
                     log_path=work_dir / "voila.log", url=url, token=token)
    _wait_until_ready(server, f"{url}voila/static/voila.js", timeout)
    return server


def _server_factory(start: Callable[..., Server], tmp_path_factory: pytest.TempPathFactory,
                    name: str) -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def factory(target: Path, **kwargs: object) -> Server:
        kwargs.setdefault("work_dir", tmp_path_factory.mktemp(name))
        server = start(target, **kwargs)
        servers.append(server)
        return server

    yield factory
    for server in reversed(servers):
        server.stop()


@pytest.fixture
def jupyterlab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Server]]:
    """Factory: ``jupyterlab_server(root_dir, env=None) -> Server``, stopped after the test."""
    yield from _server_factory(start_jupyterlab, tmp_path_factory, "jupyterlab")


@pytest.fixture
def voila_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Server]]:
    """Factory: ``voila_server(notebook, env=None) -> Server``, stopped after the test."""
    yield from _server_factory(start_voila, tmp_path_factory, "voila")


# -------------------------------------------------------------------- page helpers

#: The status bar's kernel item once a real kernel is connected and idle,
#: e.g. "Python 3 (ipykernel) | Idle" (not "No Kernel | Initializing").
_IDLE_KERNEL = re.compile(r"^(?!No Kernel).+ \| Idle$")


def wait_for_kernel_idle(page, timeout: float = 90_000) -> None:
    """Wait until JupyterLab's status bar shows the notebook's kernel connected and idle.

    Run cells only after this: a cell run while the kernel is still starting
    can be dropped by JupyterLab. After a run, call it again to wait for the
    run to finish. ``timeout`` is in milliseconds, as everywhere in Playwright.
    """
    from playwright.sync_api import expect

    kernel_status = page.locator(".jp-StatusBar-Widget .jp-StatusBar-TextItem", has_text=_IDLE_KERNEL)
    expect(kernel_status.first).to_be_visible(timeout=timeout)


def run_all_cells(page, timeout: float = 300_000) -> bool:
    """Run every cell of the open notebook and return once the last one has finished.

    Runs JupyterLab's own ``notebook:run-all-cells`` command through
    ``window.jupyterapp`` (servers from :func:`start_jupyterlab` expose it) and
    waits for its promise, so no prompt or spinner has to be guessed at.

    Returns
    -------
    bool
        True when every cell ran without an error; False when one raised
        (JupyterLab stops there, as a person clicking Run All would see).
    """
    wait_for_kernel_idle(page)
    return page.evaluate(
        """async (timeout) => {
            const app = window.jupyterapp;
            if (!app) { throw new Error("window.jupyterapp missing: start JupyterLab with --expose-app-in-browser"); }
            const run = app.commands.execute("notebook:run-all-cells");
            const late = new Promise((_, reject) => setTimeout(
                () => reject(new Error(`Run All Cells did not finish within ${timeout} ms`)), timeout));
            return Boolean(await Promise.race([run, late]));
        }""",
        timeout,
    )


def wait_for_voila_app(page, timeout: float = 90_000) -> None:
    """Wait until Voila has executed the notebook and removed its loading spinner."""
    from playwright.sync_api import expect

    expect(page.locator("#rendered_cells")).to_be_visible(timeout=timeout)
    expect(page.locator("#loading")).to_have_count(0, timeout=timeout)
