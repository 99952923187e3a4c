"""Uploaded product photos: checked with Pillow, cleaned, and made into WebP renditions.

`process` is the one way bytes become a photo, for the staff's uploads and the demo seed alike. Whatever it
is given, it answers renditions or refuses with 422 `invalid_image`, never a 500:

- only JPEG, PNG and WebP are opened (Pillow is told to try no other format), first to `verify()` the file,
  then afresh to decode it (a verified image cannot be used);
- what the upload claims must be what it is: a content type naming an image type (`image/png`), or a file
  name with an image extension (`.jpg`), that says another type than the content's is refused: a type that
  lies is refused, not trusted and not silently corrected (`application/octet-stream` or no extension claim
  nothing, and the content decides);
- a JPEG with a second picture (MPF: an MPO, as phones write with an HDR gain map) is a JPEG, its first;
- a decompression bomb is refused before it is decoded: more than MAX_PIXELS declared in its header, or more
  than MAX_DECODED_BYTES to hold once decoded (`_decoded_bytes`), and Pillow's own DecompressionBombWarning is
  an error here;
- memory is spent sparingly (a pod has 512 MiB or so): a JPEG is decoded at the smallest DCT scale that still
  gives the largest rendition (`draft`), a PNG or WebP is first shrunk by whole factors (`reduce`), the
  orientation is applied to that smaller picture, nothing is copied or converted needlessly, and one photo at
  a time is decoded in a process (`_DECODING`), so that threads do not add up their peaks;
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
import threading
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

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
#: the most memory a photo may take once decoded, in bytes (`_decoded_bytes`): a 33 megapixel RGB PNG; a JPEG
#: is decoded at a reduced size, so a 50 megapixel one takes a few dozen MiB
MAX_DECODED_BYTES = 128 * 1024 * 1024
#: a PNG or WebP is reduced by whole factors while it stays at least this many times the largest width, and
#: then resized with LANCZOS (Pillow's `thumbnail` does the same)
REDUCING_GAP = 2.0
#: Pillow's format -> its content type and the file name extensions that say it
FORMATS = {
    "JPEG": ("image/jpeg", (".jpg", ".jpeg", ".jpe", ".jfif")),
    "PNG": ("image/png", (".png",)),
    "WEBP": ("image/webp", (".webp",)),
}
#: extensions of image types that are not accepted: a file named so says it is one of them
OTHER_IMAGE_EXTENSIONS = (".gif", ".bmp", ".tif", ".tiff", ".svg", ".heic", ".heif", ".avif", ".ico")
#: other names clients give the content types of FORMATS (old browsers, Windows' registry)
ALIASES = {"image/jpg": "JPEG", "image/pjpeg": "JPEG", "image/x-png": "PNG"}
#: content types that claim nothing about the content: no type, or some binary data
UNCLAIMED = ("", "application/octet-stream", "binary/octet-stream", "application/binary")
#: EXIF orientations that turn the picture by a quarter
QUARTER_TURNS = (5, 6, 7, 8)
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
        claims.add(next((f for f, (t, _) in FORMATS.items() if t == mimetype), ALIASES.get(mimetype, mimetype)))
    suffix = PurePosixPath((filename or "").replace("\\", "/")).suffix.lower()
    if suffix:
        known = next((f for f, (_, extensions) in FORMATS.items() if suffix in extensions), None)
        if known:
            claims.add(known)
        elif suffix in OTHER_IMAGE_EXTENSIONS:
            claims.add(suffix)
    return claims


#: one photo at a time is decoded in a process: two uploads in two threads would double the peak of memory
_DECODING = threading.Lock()


def process(data: bytes, filename: str | None = None, content_type: str | None = None) -> Processed:
    """Check `data` and make its renditions; 413 `payload_too_large` over MAX_BYTES, 422 `invalid_image` for
    anything that is not a sound JPEG, PNG or WebP of at most MAX_PIXELS (and MAX_DECODED_BYTES) that is what
    it says it is."""
    if len(data) > MAX_BYTES:
        raise Problem(413, "payload_too_large", f"A photo may have at most {MAX_BYTES} bytes.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
                kind, (width, height) = _format(probe), probe.size
                if width * height > MAX_PIXELS:
                    raise invalid(f"The image is {width} x {height} pixels; at most {MAX_PIXELS} are taken.")
                probe.verify()
            if (claims := _claimed(filename, content_type)) - {kind}:
                raise invalid(f"The file is {FORMATS[kind][0]}, but its name or type says "
                              f"{', '.join(sorted(claims - {kind}))}.")
            with _DECODING, Image.open(io.BytesIO(data), formats=[kind]) as image:
                return _renditions(image)
        except Problem:
            raise
        except UnidentifiedImageError:
            raise invalid("The file is not a JPEG, PNG or WebP image.") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise invalid("The image declares too many pixels (a decompression bomb).") from None
        except Exception as error:  # a broken file fails in Pillow's decoders in many ways
            raise invalid(f"The image cannot be read ({type(error).__name__}).") from None


def _format(image: Image.Image) -> str:
    """The key in FORMATS of an opened image: an MPO is a JPEG with more pictures after its first."""
    return "JPEG" if image.format == "MPO" else image.format


def _turned(image: Image.Image) -> bool:
    """Whether the image's EXIF orientation turns it by a quarter (its upright width is its stored height)."""
    return image.getexif().get(ExifTags.Base.Orientation, 1) in QUARTER_TURNS


def _transparent(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def _decoded_bytes(image: Image.Image, converted: bool) -> int:
    """The memory `image` takes decoded, as Pillow holds it (a pixel of RGB in 4 bytes, as of RGBA), and with
    its RGB(A) conversion when that must be made at full size (`converted`)."""
    per_pixel = 1 if image.mode in ("1", "L", "P") else 2 if image.mode.startswith("I;16") else 4
    return image.width * image.height * (per_pixel + (4 if converted else 0))


def _renditions(image: Image.Image) -> Processed:
    """The renditions of an opened (not yet decoded) image, upright and of its pixels alone."""
    stored = image.size
    if image.format in ("JPEG", "MPO"):
        # the DCT decodes at 1/2, 1/4 or 1/8 of the size directly: the smallest that still gives the largest
        # rendition (a JPEG's EXIF is in its header; a PNG's may follow its pixels, and is read after them)
        turned = _turned(image)
        width, height = stored[::-1] if turned else stored
        largest = min(WIDTHS[-1], width)
        wanted = (largest, -(-height * largest // width))
        image.draft("RGB", wanted[::-1] if turned else wanted)
    transparent = _transparent(image)
    mode = "RGBA" if transparent else "RGB"
    # `reduce` takes 8-bit grey or colour, without a transparent colour; anything else is converted first
    early = image.mode != mode and (image.mode not in ("L", "LA", "RGB", "RGBA") or "transparency" in image.info)
    if (decoded := _decoded_bytes(image, early)) > MAX_DECODED_BYTES:
        raise invalid(f"The image is {stored[0]} x {stored[1]} pixels in {image.mode}: decoded it would take "
                      f"{decoded // 2**20} MiB, and at most {MAX_DECODED_BYTES // 2**20} MiB are taken.")
    image.load()
    turned = _turned(image)
    width, height = stored[::-1] if turned else stored  # upright
    largest = min(WIDTHS[-1], width)
    pixels = image.convert(mode) if early else image
    if (factor := int((pixels.height if turned else pixels.width) // (largest * REDUCING_GAP))) > 1:
        pixels = pixels.reduce(factor)
    if pixels.mode != mode:
        pixels = pixels.convert(mode)
    ImageOps.exif_transpose(pixels, in_place=True)
    pixels.info = {}  # the pixels alone: no metadata goes along
    made: dict[int, Rendition] = {}
    renditions = []
    for size in WIDTHS:
        target = min(size, width)
        if target not in made:
            scaled = pixels if target == pixels.width else pixels.resize(
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
