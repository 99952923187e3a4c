"""What is written from the shop's manifest (services.toml) into files that cannot read it themselves: the chart's
`services:` values (Helm reads no TOML, and an SRE reads the values), skaffold's artifacts and image values, and
the README's table of local ports.

    uv run python dev/manifest.py            say which files are not what the manifest makes (exit 1 if any)
    uv run python dev/manifest.py --write    write them

Each written part sits between a `# manifest:<part>:start` and a `# manifest:<part>:end` line (`<!-- ... -->` in
Markdown), and only that part
is rewritten; tests/test_manifest.py keeps every part equal to what the manifest makes.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from shop_common import manifest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import settings_table

ROOT = Path(__file__).resolve().parents[1]


def _indent(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line if line.strip() else line for line in text.splitlines(keepends=True))


def chart_entry(shop: manifest.Manifest, service: manifest.Service) -> dict[str, Any]:
    """A service's entry under the chart's `services:` (what differs from the chart's `defaults`)."""
    entry: dict[str, Any] = {}
    if service.kind != "api":
        entry["kind"] = service.kind
    entry["image"] = {"repository": f"shop-{service.name}"}
    calls = [s.name for s in shop.routed()] if service.kind == "web" else list(service.calls)
    if calls:
        entry["calls"] = calls
    if service.signs_tokens:
        entry["signsTokens"] = True
    if service.sends_mail:
        entry["sendsMail"] = True
    if service.database:
        entry["database"] = {"enabled": True}
    return {**entry, **service.chart}


def values_services(shop: manifest.Manifest) -> str:
    out = ["services:\n"]
    for service in shop.services.values():
        about = f"  # {service.about}\n" if service.about else ""
        body = yaml.safe_dump({service.name: chart_entry(shop, service)}, sort_keys=False, default_flow_style=False,
                              width=120)
        out.append(about + _indent(body, 2))
    return "".join(out)


def _artifact(service: manifest.Service, target: str, sync: bool) -> str:
    if service.kind == "web":
        text = f"- image: shop-{service.name}\n  context: .\n  docker:\n    dockerfile: gateway/Dockerfile\n" \
               f"    target: runtime\n"
    else:
        text = (f"- image: shop-{service.name}\n  context: .\n  docker:\n    dockerfile: services/Dockerfile\n"
                f"    target: {target}\n    buildArgs: {{SERVICE: {service.name}}}\n")
    if sync:
        text += ("  sync:\n    manual:\n      - {src: \"services/common/src/**\", dest: /app}\n"
                 f"      - {{src: \"services/{service.name}/src/**\", dest: /app}}\n")
    return text


def skaffold_artifacts(shop: manifest.Manifest) -> str:
    return "".join(_artifact(s, "runtime", sync=False) for s in shop.services.values())


def skaffold_dev_artifacts(shop: manifest.Manifest) -> str:
    """The dev profile: an api runs its `dev` target (Flask's reloader) with its sources synced in; a worker
    (no reloader) and the gateway (a build) are rebuilt on a change."""
    return "".join(_artifact(s, "dev" if s.kind == "api" else "runtime", sync=s.kind == "api")
                   for s in shop.services.values())


def skaffold_images(shop: manifest.Manifest) -> str:
    out = []
    for service in shop.services.values():
        var = f"shop_{service.name}".replace("-", "_")
        out.append(f'services.{service.name}.image.repository: "{{{{.IMAGE_REPO_{var}}}}}"\n'
                   f'services.{service.name}.image.tag: "{{{{.IMAGE_TAG_{var}}}}}@{{{{.IMAGE_DIGEST_{var}}}}}"\n')
    return "".join(out)


def readme_ports(shop: manifest.Manifest) -> str:
    import stack  # dev/stack.py, beside this file: the SMTP sink's port

    rows = ["| what | port |\n", "| --- | --- |\n"]
    for service in sorted(shop.services.values(), key=lambda s: s.kind != "web"):
        if service.port is None:
            continue
        what = ("the gateway (nginx): the storefront and every `/api/...` route" if service.kind == "web"
                else f"{service.name}: {service.about} (direct, for debugging)")
        rows.append(f"| {what} | {service.port} |\n")
    rows.append(f"| SMTP sink (every message kept in `var/mail/`) | {stack.SMTP_LOCAL_PORT} |\n")
    return "".join(rows)


def gateway_routes(shop: manifest.Manifest) -> str:
    """gateway/README.md's route table."""
    rows = ["| path prefix | service | upstream path |\n", "| --- | --- | --- |\n"]
    for service in shop.routed():
        rows.append(f"| {', '.join(f'`{r}`' for r in service.routes)} | {service.name} (local port "
                    f"{service.port}) | same |\n")
    for service in shop.routed():
        if service.pages:
            rows.append(f"| {', '.join(f'`{p}`' for p in service.pages)} (`pages`: at the site's root) | "
                        f"{service.name} (local port {service.port}) | same |\n")
    names = ", ".join(s.name for s in shop.routed())
    rows.append(f"| `/api/docs/<service>/` | each of {names} | `/docs/` (Swagger UI) |\n")
    rows.append(f"| `/api/docs/<service>/openapi.json` | each of {names} | `/docs/openapi.json` (the public "
                "document, without `/internal/` and the probes) |\n")
    return "".join(rows)


#: file -> part -> what makes it
PARTS: dict[str, dict[str, Callable[[manifest.Manifest], str]]] = {
    "charts/shop/values.yaml": {"services": values_services},
    "README.md": {"ports": readme_ports, "settings": lambda shop: settings_table.table(shop) + "\n"},
    "gateway/README.md": {"routes": gateway_routes},
    "skaffold.yaml": {"artifacts": skaffold_artifacts, "images": skaffold_images,
                      "dev-artifacts": skaffold_dev_artifacts},
}


def rewrite(text: str, part: str, body: str, where: str) -> str:
    """`text` with what stands between the part's markers replaced by `body`, indented as the start marker."""
    found = re.search(rf"^( *)(?:#|<!--) manifest:{re.escape(part)}:start[^\n]*\n(.*?)"
                      rf"^ *(?:#|<!--) manifest:{re.escape(part)}:end", text, re.S | re.M)
    if not found:
        raise SystemExit(f"{where}: no `# manifest:{part}:start` ... `# manifest:{part}:end` lines")
    return text[:found.start(2)] + _indent(body, len(found.group(1))) + text[found.end(2):]


def made(root: Path = ROOT) -> dict[Path, str]:
    """Each written file as the manifest of the tree at `root` makes it."""
    shop = manifest.load(root / "services.toml")
    out = {}
    for name, parts in PARTS.items():
        path = root / name
        text = path.read_text()
        for part, make in parts.items():
            text = rewrite(text, part, make(shop), name)
        out[path] = text
    return out


def stale(root: Path = ROOT) -> list[Path]:
    return [path for path, text in made(root).items() if path.read_text() != text]


def write(root: Path = ROOT) -> None:
    for path, text in made(root).items():
        if path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(root)}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
    elif sys.argv[1:]:
        sys.exit(__doc__)
    elif behind := stale():
        sys.exit("not what services.toml makes (run `uv run python dev/manifest.py --write`): "
                 + ", ".join(str(p.relative_to(ROOT)) for p in behind))
