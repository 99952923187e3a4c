"""The shop's manifest (services.toml) is the one place its services are written: what is made from it is current,
no stray copy of a local port or a service list is left elsewhere, and a new service is a folder and one block."""

from __future__ import annotations

import http.server
import importlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import helm_python as helm
import pytest
import requests
import yaml

from shop_common import manifest

ROOT = Path(__file__).resolve().parents[1]
SHOP = manifest.load(ROOT / "services.toml")
sys.path.insert(0, str(ROOT / "dev"))
import manifest as made_from_manifest  # noqa: E402  (dev/manifest.py)

sys.path.remove(str(ROOT / "dev"))


def test_every_file_made_from_the_manifest_is_current():
    assert made_from_manifest.stale(ROOT) == [], "run: uv run python dev/manifest.py --write"


def _tracked() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    return [ROOT / n for n in names if not n.endswith(("package-lock.json", "uv.lock", ".png", ".svg", ".woff2"))]


def _without_made_parts(text: str) -> str:
    return re.sub(r"(?:#|<!--) manifest:([a-z-]+):start.*?(?:#|<!--) manifest:\1:end", "", text, flags=re.S)


def test_no_local_port_of_a_service_is_written_outside_the_manifest():
    ports = [s.port for s in SHOP.services.values() if s.port is not None and s.kind != "web"]
    # the gateway's 8000 is also the port every container listens on, and the shop's address in prose
    pattern = re.compile(rf"(?<![\d.])(?:{'|'.join(map(str, ports))})(?!\d)")
    found = []
    for path in _tracked():
        if path.name == "services.toml" or not path.is_file():
            continue
        try:
            text = _without_made_parts(path.read_text())
        except UnicodeDecodeError:
            continue
        found += [f"{path.relative_to(ROOT)}:{n}: {line.strip()}" for n, line in enumerate(text.splitlines(), 1)
                  if pattern.search(line)]
    assert found == []


def test_no_list_of_the_services_is_written_outside_the_manifest():
    """A list or tuple literal naming two of the shop's services is a copy of the manifest (a test that names
    the callers of one service, say, reads them from the manifest too)."""
    names = "|".join(SHOP.services)
    pattern = re.compile(rf"""[\[(]\s*["']({names})["']\s*,\s*["']({names})["']""")
    code = [p for p in _tracked() if p.name != "services.toml"
            and (p.suffix in {".py", ".toml", ".yaml", ".tpl", ".sh", ".js"} or p.name == "Makefile")]
    found = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in code for m in pattern.finditer(p.read_text())]
    assert found == []


def test_each_service_declares_a_client_of_exactly_the_services_it_calls():
    for service in SHOP.python():
        settings = {s.name for s in importlib.import_module(f"{service.package}.config").SETTINGS}
        clients = {name.removesuffix("_URL").lower().replace("_", "-") for name in settings
                   if name.endswith("_URL") and name.removesuffix("_URL").lower().replace("_", "-") in SHOP.services}
        assert clients == set(service.calls), service.name


# -- a new service is a folder and one block -----------------------------------------------------------------------

REVIEWS = """
[services.reviews]
about = "what shoppers say of the products"
kind = "api"
port = 8009
routes = ["/api/reviews/"]
calls = ["products"]
database = true
"""

FOLDER = {
    "pyproject.toml": """
        [project]
        name = "shop-reviews"
        version = "0.1.0"
        requires-python = ">=3.11"
        dependencies = ["shop-common"]

        [project.scripts]
        shop-reviews = "reviews.cli:cli"
    """,
    "src/reviews/__init__.py": '''
        """Reviews of the products."""
    ''',
    "src/reviews/config.py": '''
        from shop_common.config import Setting
        from shop_common.http import client_settings

        SETTINGS = (
            Setting("REVIEWS_PER_PAGE", "reviews on a page of a product", "20"),
            *client_settings("products"),
        )
    ''',
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A copy of the repository with a made-up `reviews` service: its folder, and its block in the manifest. Then
    what a developer runs after that: the generator of what is made from the manifest."""
    copy = tmp_path_factory.mktemp("tree") / "shop"
    for path in _tracked():
        # of the storefront, only its addresses, which the gateway reads
        if path.is_file() and (path.relative_to(ROOT).parts[0] != "frontend"
                               or path.relative_to(ROOT).as_posix() == "frontend/src/router/paths.json"):
            target = copy / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    for name, text in FOLDER.items():
        target = copy / "services" / "reviews" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip())
    plan = (copy / "services.toml").read_text()
    (copy / "services.toml").write_text(plan.replace("\n[services.mailer]\n", REVIEWS + "\n[services.mailer]\n"))
    subprocess.run([sys.executable, str(copy / "dev" / "manifest.py"), "--write"], env=_env(copy), check=True,
                   capture_output=True, text=True)
    return copy


def _env(copy: Path) -> dict[str, str]:
    """The copy's new package importable (a developer's `uv sync` would install it)."""
    return {**os.environ, "PYTHONPATH": str(copy / "services" / "reviews" / "src"),
            "SHOP_MANIFEST": str(copy / "services.toml")}


class _Reviews(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"service": "reviews", "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_the_gateway_routes_the_new_service(tree, tmp_path):
    sys.path.insert(0, str(ROOT / "tests"))
    from gateway.support import free_port

    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Reviews)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    spa = tmp_path / "spa"
    spa.mkdir()
    (spa / "index.html").write_text("<!doctype html><title>Shop</title>")
    port = free_port()
    gateway = subprocess.Popen(
        [sys.executable, str(tree / "gateway" / "nginx.py"), "run", str(tmp_path / "gw"), "--port", str(port),
         "--upstream", f"reviews=127.0.0.1:{backend.server_port}", "--spa-dir", str(spa), "--access-log", "off"],
        env=_env(tree), start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/api/reviews/latest/", timeout=10)
                break
            except requests.ConnectionError:
                assert gateway.poll() is None and time.monotonic() < deadline, "the gateway did not start"
                time.sleep(0.2)
        assert answer.status_code == 200 and answer.json() == {"service": "reviews", "path": "/api/reviews/latest/"}
        assert answer.headers["X-Content-Type-Options"] == "nosniff"  # through the gateway's own headers
        docs = requests.get(f"http://127.0.0.1:{port}/api/docs/reviews/openapi.json", timeout=10)
        assert docs.json()["path"] == "/docs/openapi.json"
        conf = (tmp_path / "gw" / "nginx.conf").read_text()
        assert "server 127.0.0.1:8009;" not in conf  # the address it was given, not its local default
    finally:
        os.killpg(gateway.pid, signal.SIGTERM)
        gateway.wait(timeout=20)
        backend.shutdown()


def test_the_local_stack_starts_the_new_service(tree):
    script = ("import json, stack; print(json.dumps({'services': stack.SERVICES, 'calls': stack._calls_env('reviews'),"
              " 'ports': stack.ports()}))")
    done = subprocess.run([sys.executable, "-c", script], cwd=tree / "dev", env=_env(tree), capture_output=True,
                          text=True, check=True)
    plan = json.loads(done.stdout)
    assert plan["services"]["reviews"] == 8009 and plan["ports"]["reviews"] == 8009
    assert plan["calls"] == {"SHOP_PRODUCTS_URL": f"http://127.0.0.1:{SHOP.services['products'].port}"}


def test_the_chart_renders_the_new_service_with_its_network_policy(tree):
    texts = helm.Chart.load(str(tree / "charts" / "shop")).render(values={}, name="shop", namespace="shop",
                                                                    is_install=True, is_upgrade=False)
    objects = {(o["kind"], o["metadata"]["name"]): o for path, text in texts.items() if not path.endswith(".txt")
               for o in yaml.safe_load_all(text) if o}
    deployment = objects[("Deployment", "shop-reviews")]["spec"]["template"]["spec"]
    env = {e["name"]: e.get("value") for e in deployment["containers"][0]["env"]}
    assert deployment["containers"][0]["image"].endswith("shop-reviews:" + deployment["containers"][0]["image"]
                                                         .rsplit(":", 1)[1])
    assert env["SHOP_PRODUCTS_URL"] == "http://shop-products:8000"
    assert ("Job", "shop-reviews-migrate") in objects and ("StatefulSet", "shop-reviews-postgres") in objects
    policy = objects[("NetworkPolicy", "shop-reviews")]["spec"]
    callees = [rule["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for rule in policy["egress"]
               if rule.get("to") and "podSelector" in rule["to"][0]]
    assert "shop-products" in callees
    products = objects[("NetworkPolicy", "shop-products")]["spec"]["ingress"]
    callers = {peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for rule in products
               for peer in rule.get("from", []) if "podSelector" in peer}
    assert "shop-reviews" in callers
    gateway = objects[("Deployment", "shop-gateway")]["spec"]["template"]["spec"]["containers"][0]
    assert {"name": "SHOP_REVIEWS_URL", "value": "http://shop-reviews:8000"} in gateway["env"]


def test_skaffold_builds_and_deploys_the_new_service(tree):
    config = yaml.safe_load((tree / "skaffold.yaml").read_text())
    (artifact,) = [a for a in config["build"]["artifacts"] if a["image"] == "shop-reviews"]
    assert artifact["docker"] == {"dockerfile": "services/Dockerfile", "target": "runtime",
                                  "buildArgs": {"SERVICE": "reviews"}}
    dev = next(p for p in config["profiles"] if p["name"] == "dev")
    (synced,) = [a for a in dev["build"]["artifacts"] if a["image"] == "shop-reviews"]
    assert {"src": "services/reviews/src/**", "dest": "/app"} in synced["sync"]["manual"]
    images = config["deploy"]["helm"]["releases"][0]["setValueTemplates"]
    assert images["services.reviews.image.repository"] == "{{.IMAGE_REPO_shop_reviews}}"


def test_the_readme_lists_the_new_service_and_its_settings(tree):
    readme = (tree / "README.md").read_text()
    assert "| reviews: what shoppers say of the products (direct, for debugging) | 8009 |" in readme
    assert re.search(r"^\| `SHOP_REVIEWS_PER_PAGE` \| reviews \| `20` \|", readme, flags=re.M)
    assert re.search(r"^\| `SHOP_PRODUCTS_URL` \| [^|]*reviews", readme, flags=re.M)
