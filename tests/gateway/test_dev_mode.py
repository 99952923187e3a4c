"""Dev mode: everything outside /api/ goes to Vite's dev server, its HMR WebSocket included. A stand-in
dev server (a plain socket server) plays Vite: it answers a path with the path, and echoes what comes
over an upgraded connection."""

from __future__ import annotations

import socket
import socketserver
import threading

import pytest
import requests

from shop_common.testing import assert_problem

from .support import free_port


class FakeVite(socketserver.BaseRequestHandler):
    def handle(self):
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            head += chunk
        request_line, *lines = head.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
        if headers.get("upgrade") == "websocket" and "upgrade" in headers.get("connection", "").lower():
            self.request.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                 b"Connection: Upgrade\r\n\r\n")
            while data := self.request.recv(4096):
                self.request.sendall(data)
            return
        body = f"// vite served {request_line.split()[1]} for {headers.get('host')}\n".encode()
        self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/javascript\r\nConnection: close\r\n"
                             + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)


@pytest.fixture(scope="module")
def vite():
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(("127.0.0.1", free_port()), FakeVite)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def dev_gateway(gateway_module, nginx_binary, services, vite, tmp_path_factory):
    gw = gateway_module.render(tmp_path_factory.mktemp("gateway-dev"), port=free_port(), spa="dev", vite_url=vite,
                               upstreams={name: served.address for name, served in services.items()})
    gw.start()
    yield gw
    gw.stop()


def test_app_paths_go_to_the_vite_dev_server(dev_gateway):
    response = requests.get(f"{dev_gateway.url}/src/main.ts?t=1", timeout=10)
    assert response.status_code == 200
    assert response.text == f"// vite served /src/main.ts?t=1 for {dev_gateway.url.removeprefix('http://')}\n"
    csp = response.headers["Content-Security-Policy"]
    # Vite injects CSS as <style> elements and runs HMR over a WebSocket; scripts stay files of our own
    assert "style-src 'self' 'unsafe-inline'" in csp and "connect-src 'self' ws: wss:" in csp
    assert "script-src 'self';" in csp and "Cache-Control" not in response.headers


def test_the_api_and_what_is_never_routed_stay_the_same(dev_gateway):
    assert requests.get(f"{dev_gateway.url}/api/categories/", timeout=10).status_code == 200
    assert_problem(requests.get(f"{dev_gateway.url}/internal/stock/", timeout=10), 404, "not_found")
    assert_problem(requests.get(f"{dev_gateway.url}/api/nothing/", timeout=10), 404, "not_found")


def test_the_hmr_websocket_is_passed_through(dev_gateway):
    with socket.create_connection(("127.0.0.1", dev_gateway.port), timeout=5) as conn:
        conn.sendall(b"GET /?token=hmr HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            head += conn.recv(4096)
        assert head.startswith(b"HTTP/1.1 101 "), head
        conn.sendall(b"hot update, please")
        echoed = b""
        while len(echoed) < len(b"hot update, please"):
            echoed += conn.recv(4096)
        assert echoed == b"hot update, please"


def test_a_dev_server_that_is_not_running_is_a_503_problem(gateway_module, nginx_binary, tmp_path):
    port = free_port()
    while (nothing_there := free_port()) == port:
        pass
    gw = gateway_module.render(tmp_path, port=port, spa="dev", vite_url=f"http://127.0.0.1:{nothing_there}")
    gw.start()
    try:
        response = requests.get(f"{gw.url}/", timeout=10)
        problem = assert_problem(response, 503, "service_unavailable")
        assert problem["detail"] == "The frontend service is not answering; try again shortly."
    finally:
        gw.stop()
    assert gw.process is None
