"""Uploaded product photos: checked with Pillow, cleaned, and made into WebP renditions.

`process` is the one way bytes become a photo, for the staff's uploads and the demo seed alike. Whatever it
is given, it answers renditions or refuses with 422 `invalid_image`, never a 500:

- only JPEG, PNG and WebP are opened (Pillow is told to try no other format), first to `verify()` the file,
  then afresh to decode it (a verified image cannot be used);
- what the upload claims must be what it is: a content type naming an image type (`image/png`), or a file
  name with an image extension (`.jpg`), that says another type than the content's is refused: a type that
  lies is refused, not trusted and not silently corrected (`application/octet-stream` or no extension claim
  nothing, and the content decides);
- a decompression bomb is refused before it is decoded: more than MAX_PIXELS declared in its header, and
  Pillow's own DecompressionBombWarning is an error here;
- the EXIF orientation is applied (a phone's portrait photo stands up), then every piece of metadata is left
  behind (EXIF with its GPS position, XMP, ICC, comments): renditions are made from the pixels alone;
- the pixels are RGB, or RGBA when the image has transparency;
- WebP renditions are made WIDTHS wide, never upscaled: an original narrower than a width gives its own.

Each rendition is named by the digest of its bytes (content-addressed), so its URL never changes meaning
and can be cached for a year.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath

from PIL import Image, ImageOps, UnidentifiedImageError

from shop_common.errors import Problem

#: the widths of the renditions, as the keys of `sizes`
WIDTHS = (400, 1200)
#: photos a product may have
MAX_PHOTOS = 20
#: where a rendition is served (`api.images`)
URL = "/api/products/images/photos/{name}"
#: the largest upload, in bytes (its body, with the multipart envelope, may be as large as services.toml's
#: `bodies` of products says: the gateway and the kit let it through on that path alone)
MAX_BYTES = 10 * 1024 * 1024
#: the largest image accepted, in pixels (width x height): 50 megapixels, above any camera a shop uses
MAX_PIXELS = 50_000_000
#: Pillow's format -> its content type and the file name extensions that say it
FORMATS = {
    "JPEG": ("image/jpeg", (".jpg", ".jpeg", ".jpe", ".jfif")),
    "PNG": ("image/png", (".png",)),
    "WEBP": ("image/webp", (".webp",)),
}
#: extensions of image types that are not accepted: a file named so says it is one of them
OTHER_IMAGE_EXTENSIONS = (".gif", ".bmp", ".tif", ".tiff", ".svg", ".heic", ".heif", ".avif", ".ico")
#: content types that claim nothing about the content
UNCLAIMED = ("", "application/octet-stream")
WEBP_QUALITY = 82


@dataclass(frozen=True)
class Rendition:
    size: str  # the key in `sizes`: "400", "1200"
    name: str  # <digest>.webp
    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class Processed:
    width: int  # of the original, upright
    height: int
    renditions: tuple[Rendition, ...]


def invalid(detail: str) -> Problem:
    return Problem(422, "invalid_image", detail)


def _claimed(filename: str | None, content_type: str | None) -> set[str]:
    """The formats the upload's content type and file name say it is (empty when they say nothing)."""
    claims = set()
    mimetype = (content_type or "").split(";")[0].strip().lower()
    if mimetype not in UNCLAIMED:
        claims.add(next((f for f, (t, _) in FORMATS.items() if t == mimetype), mimetype))
    suffix = PurePosixPath((filename or "").replace("\\", "/")).suffix.lower()
    if suffix:
        known = next((f for f, (_, extensions) in FORMATS.items() if suffix in extensions), None)
        if known:
            claims.add(known)
        elif suffix in OTHER_IMAGE_EXTENSIONS:
            claims.add(suffix)
    return claims


def process(data: bytes, filename: str | None = None, content_type: str | None = None) -> Processed:
    """Check `data` and make its renditions; 413 `payload_too_large` over MAX_BYTES, 422 `invalid_image` for
    anything that is not a sound JPEG, PNG or WebP of at most MAX_PIXELS that is what it says it is."""
    if len(data) > MAX_BYTES:
        raise Problem(413, "payload_too_large", f"A photo may have at most {MAX_BYTES} bytes.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
                kind, (width, height) = probe.format, probe.size
                if width * height > MAX_PIXELS:
                    raise invalid(f"The image is {width} x {height} pixels; at most {MAX_PIXELS} are taken.")
                probe.verify()
            if (claims := _claimed(filename, content_type)) - {kind}:
                raise invalid(f"The file is {FORMATS[kind][0]}, but its name or type says "
                              f"{', '.join(sorted(claims - {kind}))}.")
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                upright = ImageOps.exif_transpose(image)
                return _renditions(upright)
        except Problem:
            raise
        except UnidentifiedImageError:
            raise invalid("The file is not a JPEG, PNG or WebP image.") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise invalid("The image declares too many pixels (a decompression bomb).") from None
        except Exception as error:  # a broken file fails in Pillow's decoders in many ways
            raise invalid(f"The image cannot be read ({type(error).__name__}).") from None


def _pixels(image: Image.Image) -> Image.Image:
    """The image's pixels alone, RGB or (with transparency) RGBA: no metadata goes along."""
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    clean = image.convert("RGBA" if transparent else "RGB")
    clean.info = {}
    return clean


def _renditions(image: Image.Image) -> Processed:
    pixels = _pixels(image)
    width, height = pixels.size
    made: dict[int, Rendition] = {}
    renditions = []
    for size in WIDTHS:
        target = min(size, width)
        if target not in made:
            scaled = pixels if target == width else pixels.resize(
                (target, max(1, round(height * target / width))), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            scaled.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
            data = out.getvalue()
            made[target] = Rendition("", f"{hashlib.sha256(data).hexdigest()[:32]}.webp", scaled.width,
                                     scaled.height, data)
        r = made[target]
        renditions.append(Rendition(str(size), r.name, r.width, r.height, r.data))
    return Processed(width, height, tuple(renditions))


def sizes_of(photo) -> dict[str, str]:
    """A stored photo's (`models.Photo`) renditions: size -> URL."""
    return {r.size: URL.format(name=r.name) for r in sorted(photo.renditions, key=lambda r: int(r.size))}


def url_of(photo) -> str:
    """The URL of a stored photo's largest rendition."""
    return URL.format(name=max(photo.renditions, key=lambda r: int(r.size)).name)


def cover_of(photo) -> dict[str, object] | None:
    """What a product's card shows of its first photo (`Product.cover`)."""
    return None if photo is None else {"url": url_of(photo), "sizes": sizes_of(photo)}
