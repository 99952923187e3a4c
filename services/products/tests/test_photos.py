"""Uploaded photos: checked and cleaned, kept as WebP renditions, served immutable; ordered, deleted; on cards."""

import hashlib
import io
import struct
import zlib

import pytest
from PIL import Image

from products.models import Photo, PhotoFile, db
from shop_common.testing import assert_problem

URL = "/api/products/linen-shirt/images/"


def image(fmt: str = "JPEG", size=(1600, 1000), *, mode: str = "RGB", orientation: int | None = None,
          gps: bool = False) -> bytes:
    """An image of `size` in `fmt`: left half red, right half blue (so that a rotation can be seen)."""
    picture = Image.new(mode, size, (200, 30, 30, 255)[:len(mode)] if mode != "L" else 90)
    picture.paste((30, 30, 200, 128)[:len(mode)] if mode != "L" else 200, (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    out = io.BytesIO()
    options = {"exif": exif.tobytes()} if (orientation or gps) else {}
    picture.save(out, fmt, **options)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header declares `width` x `height` pixels (a decompression bomb's shape)."""
    data = bytearray(image("PNG", (8, 8)))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4:ihdr + 12] = struct.pack(">II", width, height)
    data[ihdr + 17:ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(data[ihdr:ihdr + 17])))
    return bytes(data)


@pytest.fixture(autouse=True)
def linen(category, product):
    category("Shirts")
    product("Oxford shirt", images=["/api/products/images/oxford.svg"])
    return product("Linen shirt", images=["/api/products/images/linen.svg"])


def upload(client, headers, data, name="photo.jpg", content_type="image/jpeg", url=URL, **extra):
    return client.post(url, data={"file": (io.BytesIO(data), name, content_type)}, headers={**headers, **extra},
                       content_type="multipart/form-data")


def uploaded(client, staff, *args, **kwargs):
    response = upload(client, staff, *args, **kwargs)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def served(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/webp"
    return Image.open(io.BytesIO(response.data))


def stored(app):
    with app.app_context():
        return db.session.query(Photo).count(), db.session.query(PhotoFile).count()


def test_a_jpeg_stands_up_loses_its_metadata_and_gets_its_sizes(client, staff):
    photo = uploaded(client, staff, image("JPEG", (1600, 1000), orientation=6, gps=True))
    # orientation 6: the camera was turned; upright the photo is 1000 wide, 1600 high
    assert (photo["width"], photo["height"]) == (1000, 1600)
    assert set(photo["sizes"]) == {"400", "1200"} and photo["url"] == photo["sizes"]["1200"]
    small, large = served(client, photo["sizes"]["400"]), served(client, photo["sizes"]["1200"])
    assert small.size == (400, 640)
    assert large.size == (1000, 1600)  # never upscaled: the original's own width
    for rendition in (small, large):
        assert not rendition.getexif() and not {"exif", "xmp", "icc_profile"} & rendition.info.keys()
        assert rendition.mode == "RGB"
    # rotated by 90 degrees clockwise: the red left half is now the top
    top, bottom = large.getpixel((500, 100)), large.getpixel((500, 1500))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]


def test_a_png_with_transparency_keeps_it_and_a_small_one_is_its_own_size(client, staff):
    photo = uploaded(client, staff, image("PNG", (300, 200), mode="RGBA"), name="p.png", content_type="image/png")
    assert photo["sizes"]["400"] == photo["sizes"]["1200"] == photo["url"]
    rendition = served(client, photo["url"])
    assert rendition.size == (300, 200) and rendition.mode == "RGBA"
    assert rendition.getpixel((250, 100))[3] == 128


def test_a_webp_is_taken(client, staff):
    photo = uploaded(client, staff, image("WEBP", (800, 600)), name="p.webp", content_type="image/webp")
    assert served(client, photo["sizes"]["400"]).size == (400, 300)
    assert served(client, photo["sizes"]["1200"]).size == (800, 600)


@pytest.mark.parametrize("content_type", ["application/octet-stream", "binary/octet-stream"])
def test_a_file_that_claims_nothing_is_judged_by_its_content(client, staff, content_type):
    uploaded(client, staff, image("PNG", (50, 50)), name="upload", content_type=content_type)


@pytest.mark.parametrize("fmt, name, content_type", [
    ("JPEG", "a.jpg", "image/jpg"), ("JPEG", "a.jpeg", "image/pjpeg"), ("PNG", "a.png", "image/x-png")])
def test_an_alias_of_a_type_is_that_type(client, staff, fmt, name, content_type):
    uploaded(client, staff, image(fmt, (50, 50)), name=name, content_type=content_type)


def test_a_jpeg_with_a_second_picture_is_its_first(client, staff):
    # phones write an HDR gain map after the photo (MPF); Pillow opens such a file as an MPO
    first, second = Image.new("RGB", (640, 480), "blue"), Image.new("RGB", (320, 240), "red")
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[second])
    photo = uploaded(client, staff, out.getvalue(), name="IMG_0001.jpg", content_type="image/jpeg")
    assert (photo["width"], photo["height"]) == (640, 480)
    pixel = served(client, photo["url"]).getpixel((320, 240))
    assert pixel[2] > 200 > 50 > pixel[0]


def test_a_large_jpeg_is_decoded_reduced_and_stands_up(client, staff, monkeypatch):
    from products.pictures import photos

    decoded = []
    transpose = photos.ImageOps.exif_transpose
    monkeypatch.setattr(photos.ImageOps, "exif_transpose",
                        lambda picture, **kw: decoded.append(picture.size) or transpose(picture, **kw))
    photo = uploaded(client, staff, image("JPEG", (4800, 3600), orientation=6))
    assert (photo["width"], photo["height"]) == (3600, 4800)
    # the DCT decoded it at 1/2 (1800 wide upright), not at 3600 x 4800
    assert decoded == [(2400, 1800)]
    small, large = served(client, photo["sizes"]["400"]), served(client, photo["sizes"]["1200"])
    assert (small.size, large.size) == ((400, 533), (1200, 1600))
    top, bottom = large.getpixel((600, 100)), large.getpixel((600, 1500))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]


def test_a_large_png_is_reduced_before_it_is_resized(client, staff, monkeypatch):
    from products.pictures import photos

    decoded = []
    transpose = photos.ImageOps.exif_transpose
    monkeypatch.setattr(photos.ImageOps, "exif_transpose",
                        lambda picture, **kw: decoded.append(picture.size) or transpose(picture, **kw))
    photo = uploaded(client, staff, image("PNG", (5000, 2000)), name="a.png", content_type="image/png")
    assert (photo["width"], photo["height"]) == (5000, 2000)
    assert decoded == [(2500, 1000)]  # halved: still twice the largest rendition
    assert served(client, photo["sizes"]["1200"]).size == (1200, 480)


def test_a_picture_too_large_to_decode_is_422_before_it_is_decoded(client, staff):
    # 50 megapixels of RGB take 190 MiB decoded (Pillow holds a pixel in 4 bytes): over the budget
    response = upload(client, staff, png_claiming(7070, 7070), "big.png", "image/png")
    assert "decoded it would take 190 MiB" in assert_problem(response, 422, "invalid_image")["detail"]


def test_one_photo_at_a_time_is_decoded_in_a_process(monkeypatch):
    import threading
    import time

    from products.pictures import photos

    running, most = [], []
    renditions = photos._renditions

    def counted(*args):
        running.append(1)
        most.append(len(running))
        time.sleep(0.05)
        running.pop()
        return renditions(*args)

    monkeypatch.setattr(photos, "_renditions", counted)
    data = image("JPEG", (40, 40))
    threads = [threading.Thread(target=photos.process, args=(data,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == [1, 1, 1]


@pytest.mark.parametrize("data, name, content_type", [
    (b"not an image at all", "photo.jpg", "image/jpeg"),
    (image("GIF", (40, 40), mode="L"), "a.gif", "image/gif"),
    (image("GIF", (40, 40), mode="L"), "a.jpg", "image/jpeg"),  # a GIF claiming to be a JPEG
    (image("BMP", (40, 40)), "a.bmp", "image/bmp"),
    (image("PNG", (40, 40)), "a.jpg", "image/png"),  # a PNG named .jpg
    (image("PNG", (40, 40)), "a.png", "image/jpeg"),  # a PNG sent as a JPEG
    (image("JPEG", (40, 40)), "a.jpg", "image/png"),  # a JPEG sent as a PNG
    (image("PNG", (40, 40)), "a.png", "image/pjpeg"),  # a PNG sent as a JPEG by another name
    (image("PNG", (40, 40)), "a.gif", "application/octet-stream"),
    (image("JPEG", (40, 40)), "a.jpg", "text/plain"),
    (image("JPEG", (400, 400))[:300], "a.jpg", "image/jpeg"),  # cut short
    (png_claiming(100_000, 100_000), "bomb.png", "image/png"),  # 10 gigapixels in a few hundred bytes
    (png_claiming(8000, 7000), "big.png", "image/png"),  # 56 megapixels: above the limit
])
def test_anything_but_a_sound_jpeg_png_or_webp_that_says_what_it_is_is_422(app, client, staff, data, name,
                                                                          content_type):
    before = client.get("/api/products/linen-shirt/")
    assert_problem(upload(client, staff, data, name, content_type), 422, "invalid_image")
    after = client.get("/api/products/linen-shirt/")
    assert after.headers["ETag"] == before.headers["ETag"] and after.get_json()["photos"] == []
    assert stored(app) == (0, 0)


def test_no_file_is_422(client, staff):
    response = client.post(URL, data={"other": "x"}, headers=staff, content_type="multipart/form-data")
    assert assert_problem(response, 422, "validation_error")["errors"]["files"]["file"]


def test_over_10_mib_is_413_and_nothing_is_stored(app, client, staff):
    big = image("PNG", (40, 40)) + b"\0" * (10 * 1024 * 1024)  # a body over the route's limit
    assert_problem(upload(client, staff, big, "a.png", "image/png"), 413, "payload_too_large")
    just = image("PNG", (40, 40)) + b"\0" * (10 * 1024 * 1024 - 100)  # the body fits, the file is over 10 MiB
    assert_problem(upload(client, staff, just, "a.png", "image/png"), 413, "payload_too_large")
    assert stored(app) == (0, 0)


def test_a_larger_body_is_for_uploads_only(client, staff):
    # 2 MiB reach the upload, which judges them (no image), where every other path refuses them
    assert_problem(upload(client, staff, b"\xff" * (2 * 1024 * 1024)), 422, "invalid_image")
    body = {"name": "x" * 200, "description": "y" * (1024 * 1024)}
    assert_problem(client.patch("/api/products/linen-shirt/", json=body, headers=staff), 413, "payload_too_large")


def test_only_staff_upload_and_delete(client, shopper, staff):
    data = image("JPEG", (40, 40))
    assert_problem(upload(client, {}, data), 401, "not_authenticated")
    assert_problem(upload(client, shopper, data), 403, "staff_only")
    photo = uploaded(client, staff, data)
    assert_problem(client.delete(f"{URL}{photo['id']}/"), 401, "not_authenticated")
    assert_problem(client.delete(f"{URL}{photo['id']}/", headers=shopper), 403, "staff_only")
    assert_problem(upload(client, staff, data, url="/api/products/none/images/"), 404, "product_not_found")


def test_cards_and_details_show_photos_first_and_the_artwork_without_them(client, staff):
    def card():
        return next(c for c in client.get("/api/products/").get_json()["results"] if c["slug"] == "linen-shirt")

    def detail():
        return client.get("/api/products/linen-shirt/").get_json()

    # read first, so that what follows must make the cached answers stale
    assert card()["image"] == "/api/products/images/linen.svg" and card()["image_sizes"] is None
    assert detail()["images"] == ["/api/products/images/linen.svg"] and detail()["photos"] == []
    first = uploaded(client, staff, image("JPEG", (1600, 1000)))
    second = uploaded(client, staff, image("PNG", (500, 500)), name="b.png", content_type="image/png")
    assert card()["image"] == first["url"] and card()["image_sizes"] == first["sizes"]
    assert detail()["photos"] == [first, second]
    assert detail()["images"] == [first["url"], second["url"]]
    oxford = next(c for c in client.get("/api/products/").get_json()["results"] if c["slug"] == "oxford-shirt")
    assert oxford["image_sizes"] is None
    # reordered
    response = client.patch("/api/products/linen-shirt/", json={"images": [second["id"], first["id"]]},
                            headers=staff)
    assert response.status_code == 200 and response.get_json()["photos"] == [second, first]
    assert card()["image"] == second["url"] and detail()["images"] == [second["url"], first["url"]]
    # deleted
    assert client.delete(f"{URL}{second['id']}/", headers=staff).status_code == 204
    assert detail()["photos"] == [first] and card()["image"] == first["url"]
    assert client.get(second["url"]).status_code == 404
    assert client.delete(f"{URL}{first['id']}/", headers=staff).status_code == 204
    assert card()["image"] == "/api/products/images/linen.svg" and card()["image_sizes"] is None
    assert detail()["images"] == ["/api/products/images/linen.svg"] and detail()["photos"] == []


def test_the_cart_sees_the_first_photo(client, staff, service, linen):
    photo = uploaded(client, staff, image("JPEG", (100, 100)))
    answer = client.post("/internal/stock/", json={"product_ids": [linen["id"]]}, headers=service).get_json()
    assert answer["variants"][0]["image"] == photo["url"]


def test_a_reorder_names_each_photo_once(client, staff):
    a, b = (uploaded(client, staff, image("JPEG", (60 + n, 60)))["id"] for n in range(2))
    other = uploaded(client, staff, image("JPEG", (70, 70)), url="/api/products/oxford-shirt/images/")["id"]
    before = client.get("/api/products/linen-shirt/").get_json()
    for order in ([a, a], [a], [a, b, other], [a, other], [], [b, a, a]):
        response = client.patch("/api/products/linen-shirt/", json={"images": order, "name": "Renamed"},
                                headers=staff)
        assert "images" in assert_problem(response, 422, "validation_error")["errors"]["json"]
    assert client.get("/api/products/linen-shirt/").get_json() == before
    assert_problem(client.patch("/api/products/linen-shirt/", json={"images": ["x"]}, headers=staff), 422,
                   "validation_error")


def test_delete_of_an_unknown_or_anothers_photo_is_404(client, staff):
    other = uploaded(client, staff, image("JPEG", (70, 70)), url="/api/products/oxford-shirt/images/")
    assert_problem(client.delete(f"{URL}{other['id']}/", headers=staff), 404, "image_not_found")
    assert_problem(client.delete(f"{URL}999999/", headers=staff), 404, "image_not_found")
    assert client.get("/api/products/oxford-shirt/").get_json()["photos"] == [other]


def test_photo_writes_take_if_match_and_answer_the_new_etag(app, client, staff):
    stale = client.get("/api/products/linen-shirt/").headers["ETag"]
    response = upload(client, staff, image("JPEG", (80, 80)), **{"If-Match": stale})
    assert response.status_code == 201
    current = response.headers["ETag"]
    assert current != stale and client.get("/api/products/linen-shirt/", headers=staff).headers["ETag"] == current
    assert_problem(upload(client, staff, image("JPEG", (90, 90)), **{"If-Match": stale}), 412, "version_conflict")
    photo_id = response.get_json()["id"]
    assert_problem(client.delete(f"{URL}{photo_id}/", headers={**staff, "If-Match": stale}), 412,
                   "version_conflict")
    assert stored(app)[0] == 1
    deleted = client.delete(f"{URL}{photo_id}/", headers={**staff, "If-Match": current})
    assert deleted.status_code == 204
    assert deleted.headers["ETag"] == client.get("/api/products/linen-shirt/", headers=staff).headers["ETag"] != current


def test_a_product_holds_at_most_20_photos(client, staff):
    data = image("JPEG", (20, 20))
    for _ in range(20):
        uploaded(client, staff, data)
    assert_problem(upload(client, staff, data), 409, "too_many_images")


def test_renditions_are_served_immutable_with_an_etag(client, staff):
    photo = uploaded(client, staff, image("JPEG", (500, 300)))
    response = client.get(photo["url"])
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    name = photo["url"].rsplit("/", 1)[1]
    assert response.headers["ETag"] == f'"{name.removesuffix(".webp")}"'
    assert hashlib.sha256(response.data).hexdigest()[:32] == name.removesuffix(".webp")  # content-addressed
    again = client.get(photo["url"], headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    for missing in ("0" * 32 + ".webp", "../x.webp", "ABC.webp", "x.svg"):
        assert_problem(client.get(f"/api/products/images/photos/{missing}"), 404)


def test_the_same_bytes_on_two_products_share_their_urls_and_outlive_one_delete(client, staff):
    data = image("JPEG", (300, 300))
    mine = uploaded(client, staff, data)
    theirs = uploaded(client, staff, data, url="/api/products/oxford-shirt/images/")
    assert mine["url"] == theirs["url"]
    client.delete(f"{URL}{mine['id']}/", headers=staff)
    assert client.get(theirs["url"]).status_code == 200


def test_deleting_the_product_deletes_its_photos(app, client, staff):
    uploaded(client, staff, image("JPEG", (300, 300)))
    assert client.delete("/api/products/linen-shirt/", headers=staff).status_code == 204
    assert stored(app) == (0, 0)


def test_the_upload_path_alone_takes_a_full_photo_with_its_envelope():
    import re

    from products.pictures import photos
    from shop_common import manifest

    (body,) = manifest.load().services["products"].bodies
    assert re.match(body.path, URL) and not re.match(body.path, f"{URL}1/")
    assert not re.match(body.path, "/api/products/linen-shirt/")
    assert photos.MAX_BYTES < body.bytes <= photos.MAX_BYTES + 128 * 1024


def _multipart(data: bytes) -> tuple[bytes, str]:
    boundary = "shopboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_chunked_upload_gets_the_upload_limit_and_other_paths_keep_1_mib(client, staff):
    def chunked(path, body, content_type, method="POST"):
        return client.open(path, method=method, input_stream=io.BytesIO(body),
                           headers={**staff, "Transfer-Encoding": "chunked", "Content-Type": content_type})

    body, kind = _multipart(b"\xff" * (2 * 1024 * 1024))  # over 1 MiB: let through to be judged
    assert_problem(chunked(URL, body, kind), 422, "invalid_image")
    body, kind = _multipart(b"\xff" * (11 * 1024 * 1024))
    assert_problem(chunked(URL, body, kind), 413, "payload_too_large")
    json_body = b'{"description": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    assert_problem(chunked("/api/products/linen-shirt/", json_body, "application/json", "PATCH"), 413,
                   "payload_too_large")


def test_an_anonymous_chunked_upload_is_held_to_1_mib_before_its_token_is_checked(client):
    class Counted(io.BytesIO):
        read_bytes = 0

        def read(self, size=-1):
            data = super().read(size)
            Counted.read_bytes += len(data)
            return data

    body, kind = _multipart(b"\xff" * (2 * 1024 * 1024))
    response = client.post(URL, input_stream=Counted(body),
                           headers={"Transfer-Encoding": "chunked", "Content-Type": kind})
    assert_problem(response, 413, "payload_too_large")
    assert Counted.read_bytes <= 1024 * 1024 + 1
