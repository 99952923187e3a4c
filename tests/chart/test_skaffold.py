"""skaffold.yaml is valid against the skaffold/v4beta14 schema, builds every image of the chart from its
Dockerfile (services/Dockerfile with SERVICE naming the service, gateway/Dockerfile for the gateway), hands
skaffold's image references to the chart, and its `dev` profile syncs sources the images can reload, renders a
chart the schema accepts, and forwards the ingress controller to localhost:8000."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from .support import API_SERVICES, ROOT, chart_values, render

SCHEMA = ROOT.parent / "shared" / "schemas" / "skaffold-v4beta14.json"


def config() -> dict:
    return yaml.safe_load((ROOT / "skaffold.yaml").read_text())


def _images() -> dict[str, str]:
    """image -> chart service, for every service of the chart."""
    return {f"shop-{name}": name for name in chart_values()["services"]}


def test_skaffold_yaml_is_valid_against_its_schema():
    assert SCHEMA.exists(), f"the schema is kept in {SCHEMA}"
    schema = json.loads(SCHEMA.read_text())
    data = config()
    assert data["apiVersion"] == "skaffold/v4beta14"
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(data))
    assert not errors, jsonschema.exceptions.best_match(errors).message
    # the schema is strict: an unknown field anywhere is refused
    data["build"]["artifacts"][0]["docker"]["dockerFile"] = "typo"
    assert list(jsonschema.Draft7Validator(schema).iter_errors(data))


def _stage_names(dockerfile: Path) -> set[str]:
    return {line.split(" AS ")[1].strip() for line in dockerfile.read_text().splitlines()
            if line.startswith("FROM ") and " AS " in line}


@pytest.mark.parametrize("profile", [None, "dev"])
def test_every_image_of_the_chart_is_an_artifact_built_from_the_repository_root(profile):
    data = config()
    build = next(p for p in data["profiles"] if p["name"] == profile)["build"] if profile else data["build"]
    artifacts = {a["image"]: a for a in build["artifacts"]}
    assert set(artifacts) == set(_images())
    services = chart_values()["services"]
    for image, artifact in artifacts.items():
        assert artifact["context"] == "."
        docker = artifact["docker"]
        dockerfile = ROOT / docker["dockerfile"]
        assert dockerfile.exists(), dockerfile
        assert docker["target"] in _stage_names(dockerfile), image
        if profile is None:
            assert docker["target"] == "runtime"
        service = _images()[image]
        if services[service].get("kind", "api") == "web":
            assert docker["dockerfile"] == "gateway/Dockerfile" and "buildArgs" not in docker
        else:
            assert docker["dockerfile"] == "services/Dockerfile" and docker["buildArgs"] == {"SERVICE": service}


@pytest.mark.parametrize("profile", [None, "dev"])
def test_the_chart_gets_skaffolds_image_references(profile):
    data = config()
    deploy = next(p for p in data["profiles"] if p["name"] == profile)["deploy"] if profile else data["deploy"]
    (release,) = deploy["helm"]["releases"]
    assert release["chartPath"] == "charts/shop" and (ROOT / release["chartPath"] / "Chart.yaml").exists()
    templates = release["setValueTemplates"]
    wanted = {}
    for image, service in _images().items():
        key = image.replace("-", "_")
        wanted[f"services.{service}.image.repository"] = f"{{{{.IMAGE_REPO_{key}}}}}"
        wanted[f"services.{service}.image.tag"] = f"{{{{.IMAGE_TAG_{key}}}}}@{{{{.IMAGE_DIGEST_{key}}}}}"
    assert templates == wanted
    assert release["setValues"]["image.registry"] == ""


def _nested(flat: dict) -> dict:
    nested: dict = {}
    for dotted, value in flat.items():
        *path, last = dotted.split(".")
        node = nested
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    return nested


def test_the_dev_profile_renders_a_chart_the_schema_accepts():
    dev = next(p for p in config()["profiles"] if p["name"] == "dev")
    (release,) = dev["deploy"]["helm"]["releases"]
    values = _nested({**release["setValues"],
                      **{k: "placeholder" for k in release["setValueTemplates"]}})
    rendered = render(values)
    for service in API_SERVICES:
        api = rendered.get("Deployment", f"shop-{service}")["spec"]["template"]["spec"]
        assert api["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is False  # file sync writes
    # the gateway is its production image, as its own user
    gateway = rendered.get("Deployment", "shop-gateway")["spec"]["template"]["spec"]
    assert gateway["securityContext"]["runAsUser"] == 101
    assert not rendered.of("HorizontalPodAutoscaler")


def test_the_dev_profile_syncs_sources_into_the_images_site_paths_and_forwards_the_gateway():
    data = config()
    dev = next(p for p in data["profiles"] if p["name"] == "dev")
    assert dev["activation"] == [{"command": "dev"}]
    synced = {a["image"]: a.get("sync", {}).get("manual", []) for a in dev["build"]["artifacts"]}
    for service in API_SERVICES:
        rules = synced[f"shop-{service}"]
        assert {(r["src"], r["dest"]) for r in rules} == {
            ("services/common/src/**", "/app"), (f"services/{service}/src/**", "/app")}
    # (the dev target has the packages editable in /app/services, owned by the app's user: test_images.py)
    # a worker has no reloader, and the gateway serves a build: a change rebuilds their images
    assert not synced["shop-mailer"] and not synced["shop-gateway"]
    (forward,) = dev["portForward"]
    assert forward["localPort"] == 8000 and forward["resourceName"] == "ingress-nginx-controller"
