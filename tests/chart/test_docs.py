"""The chart explains itself: every value in values.yaml has a comment, and docs/kubernetes.md names only values
that exist, the commands that work with this chart and the commands its pods run."""

from __future__ import annotations

import re

from .support import CHART, ROOT, chart_values, scenario

DOCS = ROOT / "docs" / "kubernetes.md"


def _keys_with_comments() -> list[tuple[str, bool, bool]]:
    """(dotted key, commented right above, is a leaf) for every key of values.yaml, in order."""
    lines = (CHART / "values.yaml").read_text().splitlines()
    found, stack = [], []
    for index, line in enumerate(lines):
        match = re.match(r"^(\s*)([A-Za-z0-9_.-]+):(.*)$", line)
        if not match or line.lstrip().startswith("#"):
            continue
        indent, key, rest = len(match.group(1)), match.group(2), match.group(3).strip()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, key))
        previous = next((lines[i].strip() for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        found.append((".".join(k for _, k in stack), previous.startswith("#"), bool(rest)))
    return found


def test_every_value_has_a_comment():
    """A leaf is described right above it, or sits in a map described as a whole (`# -- ...` above the map,
    like a securityContext); `services:` entries override `defaults:` keys, described there."""
    keys = _keys_with_comments()
    described = {key for key, commented, _ in keys if commented}
    missing = []
    for key, commented, leaf in keys:
        if not leaf or commented or key.startswith("services."):
            continue
        parents = [key.rsplit(".", n)[0] for n in range(1, key.count(".") + 1)]
        if not any(p in described for p in parents):
            missing.append(key)
    assert not missing, missing


def _defined(dotted: str) -> bool:
    """Whether values.yaml has the key (`services.<name>.x`: any service may set what `defaults` has)."""
    node = chart_values()
    parts = dotted.split(".")
    if parts[0] == "services" and len(parts) > 2 and (parts[1] == "<name>" or parts[1] in node["services"]):
        dotted = ".".join(["defaults", *parts[2:]])
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def test_the_docs_name_only_values_the_chart_has():
    text = DOCS.read_text()
    assert "## Deploy with Helm" in text and "## Develop with skaffold" in text
    named = set(re.findall(r"`((?:image|jwt|serviceToken|defaults|services|postgres|redis|smtp|migrations|ingress|"
                           r"httpRoute|networkPolicy|tests|trustedProxies|publicUrl|imagePullSecrets|payments)(?:\.[\w<>]+)*)"
                           r"(?:=[^`]*)?`", text))
    assert len(named) > 20
    unknown = sorted(n for n in named if not _defined(n))
    assert not unknown, unknown


def test_the_docs_commands_use_the_charts_names():
    text = DOCS.read_text()
    for needle in ("helm install shop charts/shop", "helm upgrade shop charts/shop", "helm uninstall shop",
                   "helm test shop", "skaffold dev", "pod-security.kubernetes.io/enforce=restricted",
                   "kubectl -n ingress-nginx port-forward svc/ingress-nginx-controller 8000:80", "make images",
                   "docker build -f services/Dockerfile --build-arg SERVICE=users",
                   "docker build -f gateway/Dockerfile"):
        assert needle in text, needle


def test_the_docs_name_the_commands_the_pods_run():
    text = DOCS.read_text()
    rendered = scenario("defaults")
    job = rendered.get("Job", rendered.name("users-migrate"))["spec"]["template"]["spec"]["containers"][0]
    assert " ".join(job["command"]).replace("shop-users", "shop-<name>") in text
    mailer = rendered.get("Deployment", rendered.name("mailer"))["spec"]["template"]["spec"]["containers"][0]
    assert " ".join(mailer["livenessProbe"]["exec"]["command"]) in text


def test_the_docs_need_no_annotation_of_a_controller():
    """The gateway does what controller annotations once did (the documents' rewrite, the login's limit, error
    pages): the docs ask for none."""
    for doc in (DOCS, ROOT / "gateway" / "README.md"):
        assert "nginx.ingress.kubernetes.io" not in doc.read_text(), doc
