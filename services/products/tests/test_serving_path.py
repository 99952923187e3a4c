"""The serving path (the app, its API, the catalogue's reads, staff writes, stock, pictures) never imports the
demo: the demo package is reached only from the data commands and tests."""

import json
import subprocess
import sys

from shop_common.testing import SERVICE_TOKEN

# Builds the app in a fresh interpreter, sends it one request of every kind, and prints what it imported.
CHILD = """
import json, sys
from products import create_app

settings, staff, service = json.loads(sys.stdin.read())
client = create_app(settings).test_client()
answers = [
    client.get("/api/products/").status_code,
    client.get("/api/products/?in_stock=true&search=shirt&ordering=price").status_code,
    client.get("/api/products/no-such-thing/").status_code,
    client.get("/api/categories/").status_code,
    client.get("/api/products/images/no-such-picture.svg").status_code,
    client.post("/api/categories/", json={"name": "Shirts"}, headers=staff).status_code,
    client.post("/api/products/", headers=staff, json={"name": "Tee", "category": "shirts", "variants": [
        {"sku": "TEE", "label": "One", "price": "5.00", "stock": 1}]}).status_code,
    client.get("/api/products/tee/").status_code,
    client.post("/internal/stock/", json={"product_ids": [1]}, headers=service).status_code,
    client.post("/internal/reservations/", headers=service, json={"key": "o1", "ttl_seconds": 60, "lines": [
        {"variant_id": 1, "quantity": 1}]}).status_code,
    client.get("/openapi.json").status_code,
]
print(json.dumps({"answers": answers, "modules": sorted(m for m in sys.modules if m.split(".")[0] == "products")}))
"""


def test_serving_the_shop_imports_nothing_of_the_demo(app, make_token):
    staff = {"Authorization": f"Bearer {make_token(1, staff=True)}"}
    # the settings the test app was built with (the others are their defaults): the same database and Redis
    settings = {k: app.config["SHOP"][k] for k in ("ENV", "DATABASE_URL", "REDIS_URL", "JWT_PUBLIC_KEY", "LOG_FORMAT",
                                                   "LOG_LEVEL", "BACKGROUND")}
    given = json.dumps([settings, staff, {"X-Service-Token": SERVICE_TOKEN}])
    child = subprocess.run([sys.executable, "-c", CHILD], input=given, capture_output=True, text=True, timeout=60,
                           check=False)
    assert child.returncode == 0, child.stderr
    seen = json.loads(child.stdout.splitlines()[-1])
    assert seen["answers"] == [200, 200, 404, 200, 404, 201, 201, 200, 200, 201, 200]
    served = {"products.api.images", "products.catalogue.queries", "products.catalogue.cache", "products.staff",
              "products.stock", "products.pictures.store"}
    assert served <= set(seen["modules"])  # the requests went where they should have
    assert [m for m in seen["modules"] if m == "products.demo" or m.startswith("products.demo.")] == []
