"""What the gateway's tests share besides fixtures: the gateway module, ports, raw requests, recorders."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import uuid
from pathlib import Path

from shop_common.testing import RawResponse, ServiceServer, raw_request

ROOT = Path(__file__).resolve().parents[2]
GATEWAY_PORTS = range(23000, 24000)
#: the gateway's read timeout in these tests: a service answering later is a 504
READ_TIMEOUT = 2.0
INDEX_HTML = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>'
              '<script type="module" src="/assets/app-abc123.js"></script></head>'
              '<body><div id="app"></div></body></html>\n')
ASSET = "/assets/app-abc123.js"


def load_gateway():
    """gateway/nginx.py, imported by path (the gateway is no Python package)."""
    if "shop_gateway" not in sys.modules:
        spec = importlib.util.spec_from_file_location("shop_gateway", ROOT / "gateway" / "nginx.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["shop_gateway"] = module  # dataclasses look their module up while it loads
        spec.loader.exec_module(module)
    return sys.modules["shop_gateway"]


def free_port(host: str = "127.0.0.1") -> int:
    """A port of GATEWAY_PORTS nothing listens on (tried from a random start: other runs may hold some)."""
    start = uuid.uuid4().int % len(GATEWAY_PORTS)
    for offset in range(len(GATEWAY_PORTS)):
        port = GATEWAY_PORTS[(start + offset) % len(GATEWAY_PORTS)]
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {GATEWAY_PORTS}")


def raw(gateway, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None,
        source: str | None = None) -> RawResponse:
    """A request to the gateway sent exactly as written (see `shop_common.testing.raw_request`)."""
    return raw_request(gateway.port, method, path, body=body, headers=headers, source=source, timeout=10)


class Recorder:
    """WSGI middleware that notes every request a service receives: method, path as sent, headers."""

    def __init__(self, app):
        self.app = app
        self.seen: list[dict] = []

    def __call__(self, environ, start_response):
        self.seen.append({
            "method": environ["REQUEST_METHOD"],
            "path": environ.get("REQUEST_URI") or environ.get("RAW_URI") or environ["PATH_INFO"],
            "headers": {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")},
        })
        return self.app(environ, start_response)

    def paths(self) -> list[str]:
        return [request["path"] for request in self.seen]


class Served:
    """A service's app behind a `Recorder`, served over HTTP."""

    def __init__(self, app):
        self.app = app
        self.recorder = Recorder(app)
        self.server = ServiceServer(self.recorder)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.port}"


#: the folders gateway/entrypoint.sh has written in: the image's config (gateway/Dockerfile copies the rendered
#: nginx.conf and the list of upstreams there) and the run folder it writes the addresses into
ENTRYPOINT = ROOT / "gateway" / "entrypoint.sh"
IMAGE_CONFIG_DIR, IMAGE_RUN_DIR = "/etc/shop", "/tmp/gateway"


def entry_script(folder: Path, config_dir: Path, run_dir: Path) -> Path:
    """gateway/entrypoint.sh as `folder/entrypoint.sh`, its two folders moved by sed to `config_dir` and
    `run_dir`; otherwise the image's own script."""
    text = ENTRYPOINT.read_text()
    assert IMAGE_CONFIG_DIR in text and IMAGE_RUN_DIR in text, "the entry script's folders moved: update support.py"
    script = folder / "entrypoint.sh"
    done = subprocess.run(["sed", "-e", f"s|{IMAGE_CONFIG_DIR}|{config_dir}|g", "-e", f"s|{IMAGE_RUN_DIR}|{run_dir}|g",
                           str(ENTRYPOINT)], capture_output=True, text=True, check=True)
    assert IMAGE_CONFIG_DIR not in done.stdout and IMAGE_RUN_DIR not in done.stdout
    script.write_text(done.stdout)
    script.chmod(0o755)
    return script
