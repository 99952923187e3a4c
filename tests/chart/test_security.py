"""Secure by default, in every scenario: every pod and container of the release (services, workers, databases,
Redis, hook Jobs, the test pod) meets Pod Security "restricted" and more (a read-only root filesystem, no
service-account token, requests and limits); credentials are generated, kept, and only where they are needed."""

from __future__ import annotations

import base64

import pytest
import yaml
from cryptography.hazmat.primitives import serialization

from shop_common.keys import check_key

from .support import API_SERVICES, CHART, SCENARIOS, pods, render, scenario

#: the volume types Pod Security "restricted" allows
RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                      "projected", "secret"}


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_pod_meets_pod_security_restricted_with_a_read_only_root(name):
    rendered = scenario(name)
    found = pods(rendered)
    assert found
    for pod in found:
        spec, where = pod.spec, pod.label
        pod_context = spec.get("securityContext", {})
        assert spec.get("automountServiceAccountToken") is False, where
        for forbidden in ("hostNetwork", "hostPID", "hostIPC", "hostUsers"):
            assert not spec.get(forbidden), (where, forbidden)
        assert pod_context.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
        assert pod_context.get("runAsNonRoot") is True, where
        assert pod_context.get("runAsUser", 1) != 0 and pod_context.get("runAsGroup", 1) != 0, where
        for volume in spec.get("volumes", []):
            assert set(volume) - {"name"} <= RESTRICTED_VOLUMES, (where, volume)
        for container in pod.containers():
            at = f"{where} {container['name']}"
            context = container.get("securityContext", {})
            assert context.get("allowPrivilegeEscalation") is False, at
            assert context.get("privileged", False) is False, at
            assert context.get("capabilities", {}).get("drop") == ["ALL"], at
            assert not context.get("capabilities", {}).get("add"), at
            assert context.get("readOnlyRootFilesystem") is True, at
            assert context.get("runAsNonRoot", True) is True and context.get("runAsUser", 1) != 0, at
            assert not any(p.get("hostPort") for p in container.get("ports", [])), at
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container.get("resources", {}).get(kind, {})), (at, kind)
            writable = {m["mountPath"] for m in container.get("volumeMounts", []) if not m.get("readOnly")}
            assert "/tmp" in writable, f"{at} has no writable /tmp"


@pytest.mark.parametrize("name", SCENARIOS)
def test_no_service_account_mounts_a_token_and_every_pod_names_its_own(name):
    rendered = scenario(name)
    accounts = {a["metadata"]["name"]: a for a in rendered.of("ServiceAccount")}
    assert all(a["automountServiceAccountToken"] is False for a in accounts.values())
    for pod in pods(rendered):
        assert pod.spec.get("serviceAccountName") in accounts, pod.label
    assert not rendered.of("Role") and not rendered.of("RoleBinding") and not rendered.of("ClusterRoleBinding")


def test_the_databases_run_as_the_images_own_users_with_their_data_on_volumes():
    rendered = scenario("defaults")
    for name in [*(f"{s}-postgres" for s in API_SERVICES), "redis"]:
        store = rendered.get("StatefulSet", rendered.name(name))
        spec = store["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsUser"] == 999 and spec["securityContext"]["fsGroup"] == 999
        mounts = {m["mountPath"] for m in spec["containers"][0]["volumeMounts"]}
        assert store["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
        if name == "redis":
            assert "/data" in mounts
        else:
            env = {e["name"]: e.get("value") for e in spec["containers"][0]["env"]}
            assert env["PGDATA"] == "/var/lib/postgresql/data/pgdata"  # a folder of the volume, not its root
            assert {"/var/lib/postgresql/data", "/var/run/postgresql", "/tmp"} <= mounts
            assert env["POSTGRES_PASSWORD_FILE"].startswith("/var/run/secrets/")


def _secret_data(rendered, name: str) -> dict[str, str]:
    return {k: base64.b64decode(v).decode() for k, v in rendered.get("Secret", name)["data"].items()}


def test_the_generated_jwt_key_pair_is_a_matching_p256_pair():
    rendered = scenario("defaults")
    private = _secret_data(rendered, rendered.name("jwt-signing"))["private.pem"]
    public = _secret_data(rendered, rendered.name("jwt-public"))["public.pem"]
    check_key(private, "ES256", private=True)
    check_key(public, "ES256", private=False)
    derived = serialization.load_pem_private_key(private.encode(), None).public_key()
    assert derived.public_numbers() == serialization.load_pem_public_key(public.encode()).public_numbers()


def test_generated_credentials_are_kept_on_uninstall_and_never_values():
    rendered = scenario("defaults")
    generated = [rendered.name(n) for n in ("jwt-signing", "jwt-public", "service-token", "redis",
                                             *(f"{s}-postgres" for s in API_SERVICES))]
    for name in generated:
        assert rendered.get("Secret", name)["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    redis = _secret_data(rendered, rendered.name("redis"))
    assert len(redis["password"]) >= 32 and f"requirepass {redis['password']}\n" in redis["redis.conf"]
    assert redis["url"] == f"redis://:{redis['password']}@{rendered.name('redis')}:6379/0"
    users_db = _secret_data(rendered, rendered.name("users-postgres"))
    assert users_db["url"] == f"postgresql://users:{users_db['password']}@{rendered.name('users-postgres')}:5432/users"
    passwords = {_secret_data(rendered, rendered.name(f"{s}-postgres"))["password"] for s in API_SERVICES}
    assert len(passwords) == len(API_SERVICES)
    # nothing secret is in the chart's values: every credential is made at install or named by existingSecret
    text = (CHART / "values.yaml").read_text()
    assert "BEGIN" not in text
    assert all(not str(v) for k, v in _flat(yaml.safe_load(text)) if k.endswith("password"))


def _flat(values, path=""):
    if isinstance(values, dict):
        for key, value in values.items():
            yield from _flat(value, f"{path}.{key}" if path else key)
    else:
        yield path, values


def _secret_files(pod) -> dict[str, str]:
    """file name -> "secret/key" of a pod's projected secret volume."""
    files = {}
    for volume in pod.spec.get("volumes", []):
        for source in volume.get("projected", {}).get("sources", []):
            for item in source["secret"]["items"]:
                files[item["path"]] = f"{source['secret']['name']}/{item['key']}"
    return files


def test_only_the_users_service_holds_the_private_key():
    rendered = scenario("defaults")
    holders = [pod.owner["metadata"]["name"] for pod in pods(rendered) if "jwt-private-key" in _secret_files(pod)]
    assert sorted(holders) == sorted([rendered.name("users"), rendered.name("users-migrate")])


@pytest.mark.parametrize("name", SCENARIOS)
def test_no_secret_is_an_environment_value(name):
    """An environment is shown by `kubectl describe`, copied into crash reports and inherited by every child
    process: each credential is a file instead (STYLE.md)."""
    for pod in pods(scenario(name)):
        for container in pod.containers():
            at = f"{pod.label} {container['name']}"
            for env in container.get("env", []):
                assert "secretKeyRef" not in env.get("valueFrom", {}), (at, env["name"])
            assert not [e for e in container.get("envFrom", []) if "secretRef" in e], at


def _mounted_secret_files(pod, container) -> set[str]:
    """The paths of the secret files a container has mounted (secret and projected secret volumes)."""
    volumes = {v["name"]: v for v in pod.spec.get("volumes", [])}
    files = set()
    for mount in container.get("volumeMounts", []):
        volume = volumes.get(mount["name"], {})  # (a StatefulSet's claims are no volume of the pod)
        sources = [volume["secret"]] if "secret" in volume else [
            s["secret"] for s in volume.get("projected", {}).get("sources", []) if "secret" in s]
        if sources:
            assert mount.get("readOnly") is True, (container["name"], mount["mountPath"])
        for source in sources:
            files |= {f"{mount['mountPath']}/{item['path']}" for item in source.get("items", [])}
    return files


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_settings_file_is_a_mounted_secret(name):
    """SHOP_<NAME>_FILE (and the images' own *_FILE, such as Postgres's) names a file of a secret volume the
    container mounts."""
    named = 0
    for pod in pods(scenario(name)):
        for container in pod.containers():
            files = _mounted_secret_files(pod, container)
            for env in container.get("env", []):
                if env["name"].endswith("_FILE"):
                    assert env["value"] in files, (pod.label, container["name"], env["name"], sorted(files))
                    named += 1
    assert named


def _mailer(rendered):
    (pod,) = [p for p in pods(rendered) if p.owner["metadata"]["name"] == rendered.name("mailer")]
    (container,) = pod.spec["containers"]
    return pod, {e["name"]: e.get("value") for e in container["env"]}


def test_existing_secrets_are_used_and_nothing_is_generated():
    rendered = scenario("external")
    assert not rendered.of("Secret") and not rendered.of("StatefulSet")
    orders = next(p for p in pods(rendered) if p.owner["kind"] == "Deployment"
                  and p.owner["metadata"]["name"] == rendered.name("orders"))
    assert _secret_files(orders) == {"database-url": "orders-database/url", "jwt-public-key": "shop-jwt/public.pem",
                                     "redis-url": "shop-redis-url/url", "service-token": "shop-service-token/token"}
    mailer, env = _mailer(rendered)
    assert _secret_files(mailer)["smtp-password"] == "shop-smtp/password"
    assert env["SHOP_SMTP_PASSWORD_FILE"] == "/var/run/secrets/shop/smtp-password"


@pytest.mark.parametrize(("name", "smtp"), [
    ("defaults", {"SHOP_SMTP_HOST": "localhost", "SHOP_SMTP_PORT": "587", "SHOP_SMTP_SECURITY": "starttls",
                  "SHOP_SMTP_USERNAME": "", "SHOP_MAIL_FROM": "Shop <shop@localhost>"}),
    ("everything", {"SHOP_SMTP_HOST": "smtp.example.com", "SHOP_SMTP_PORT": "465", "SHOP_SMTP_SECURITY": "tls",
                    "SHOP_SMTP_USERNAME": "shop", "SHOP_MAIL_FROM": "Acme <shop@example.com>"}),
])
def test_the_smtp_settings_are_plain_values(name, smtp):
    _, env = _mailer(scenario(name))
    assert {k: env[k] for k in smtp} == smtp


@pytest.mark.parametrize(("name", "password_file"), [
    ("defaults", None),  # no login: no password at all
    ("smtp-password-set", "smtp/password"),  # given with --set: a Secret of the chart's, holding it alone
    ("external", "shop-smtp/password"),
    ("everything", "shop-smtp/pass"),  # smtp.existingSecretKey
])
def test_the_smtp_password_reaches_the_mailer_only_as_a_file(name, password_file):
    rendered = scenario(name)
    mailer, env = _mailer(rendered)
    if password_file and password_file.startswith("smtp/"):
        password_file = f"{rendered.name('smtp')}/password"
        assert _secret_data(rendered, rendered.name("smtp")) == {"password": "s3cret"}
    else:
        assert rendered.name("smtp") not in {s["metadata"]["name"] for s in rendered.of("Secret")}
    assert _secret_files(mailer).get("smtp-password") == password_file
    assert ("SHOP_SMTP_PASSWORD_FILE" in env) == bool(password_file)
    assert "SHOP_SMTP_PASSWORD" not in env
    # nothing but the mailer reads it
    for pod in pods(rendered):
        if pod is not mailer and pod.owner["metadata"]["name"] != mailer.owner["metadata"]["name"]:
            assert "smtp-password" not in _secret_files(pod), pod.label


def test_an_upgrade_keeps_what_lookup_finds():
    """Offline, `lookup` finds nothing and a render makes new credentials; the templates read every generated
    credential through `lookup` first (shop.keptSecret, and the JWT key in secrets.yaml)."""
    templates = "\n".join(p.read_text() for p in (CHART / "templates").rglob("*") if p.is_file())
    assert templates.count("randAlphaNum") == 1 and templates.count('genPrivateKey "ecdsa" }}') == 1
    assert templates.count('lookup "v1" "Secret"') == 2
    first, second = render(), render({"defaults": {"logLevel": "DEBUG"}})
    assert first.get("Secret", "shop-service-token") != second.get("Secret", "shop-service-token")
