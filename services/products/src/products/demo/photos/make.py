"""Render the demo's photos: close-ups of four fabrics, drawn here from noise and light (no camera, no download).

    uv run python services/products/src/products/demo/photos/make.py

writes the JPEGs beside this file, the same bytes every run (fixed seeds). Each is a swatch of cloth lying in
soft folds: a weave (twill, herringbone, cable knit, plain linen weave) from a few lines of numpy, yarn
irregularity from smoothed noise, folds as a height field shaded by a light from the upper left, and a gentle
fall-off of that light across the frame. Dedicated to the public domain (CC0 1.0), like everything this
script makes. Not imported by the service: the seed reads the JPEGs (demo/seed.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

HERE = Path(__file__).resolve().parent
QUALITY = 60  # each file at most 60 KiB
W, H = 800, 600


def smooth_noise(rng: np.random.Generator, scale: float, shape=(H, W)) -> np.ndarray:
    """Noise with features about `scale` pixels wide, in 0..1."""
    small = rng.random((max(2, int(shape[0] / scale)), max(2, int(shape[1] / scale))))
    image = Image.fromarray((small * 255).astype(np.uint8)).resize((shape[1], shape[0]), Image.Resampling.BICUBIC)
    return np.asarray(image, dtype=np.float32) / 255


def folds(rng: np.random.Generator, count: int) -> np.ndarray:
    """A height field of soft folds: a few long sine ridges at slight angles, plus a slow swell."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    height = np.zeros((H, W), np.float32)
    for _ in range(count):
        angle = rng.uniform(-0.5, 0.5) + np.pi / 2
        period = rng.uniform(180, 420)
        phase = rng.uniform(0, 2 * np.pi)
        along = x * np.cos(angle) + y * np.sin(angle)
        height += np.sin(along / period * 2 * np.pi + phase) * rng.uniform(0.6, 1.0)
    return height + smooth_noise(rng, 300) * 0.8


def shade(height: np.ndarray, strength: float) -> np.ndarray:
    """Lambert shading of `height` lit from the upper left, with the light falling off across the frame."""
    gy, gx = np.gradient(height * strength)
    normal = np.stack([-gx, -gy, np.ones_like(gx)])
    normal /= np.linalg.norm(normal, axis=0)
    light = np.array([-0.5, -0.6, 0.62])
    light /= np.linalg.norm(light)
    lambert = np.clip(np.tensordot(light, normal, axes=1), 0, 1)
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    falloff = 1.05 - 0.35 * np.hypot((x - 0.3 * W) / W, (y - 0.25 * H) / H)
    return (0.35 + 0.75 * lambert) * falloff


def colourise(pattern: np.ndarray, dark: tuple[int, int, int], light: tuple[int, int, int]) -> np.ndarray:
    a, b = np.array(dark, np.float32), np.array(light, np.float32)
    return a + (b - a) * pattern[..., None]


def finish(rgb: np.ndarray, light: np.ndarray, name: str, rng: np.random.Generator, blur: float = 0.7) -> None:
    rgb = rgb * light[..., None] + rng.normal(0, 2.0, rgb.shape)  # a little sensor grain
    image = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(blur))
    image.save(HERE / name, "JPEG", quality=QUALITY, optimize=True, progressive=True)


def warp(rng: np.random.Generator, height: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates bent by the folds, so the weave follows the cloth."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    gy, gx = np.gradient(height)
    return x + gx * 40, y + gy * 40


def denim(rng: np.random.Generator) -> None:
    height = folds(rng, 3)
    x, y = warp(rng, height)
    twill = 0.5 + 0.5 * np.sin((x + y * 0.55) / 3.2 * np.pi)  # the diagonal wale of a 3/1 twill
    slub = smooth_noise(rng, 6) * 0.6 + smooth_noise(rng, 40) * 0.4  # uneven indigo on the yarn
    pattern = np.clip(0.55 * twill + 0.45 * slub, 0, 1)
    finish(colourise(pattern, (22, 30, 62), (86, 104, 150)), shade(height, 30), "selvedge-denim.jpg", rng)


def herringbone(rng: np.random.Generator) -> None:
    height = folds(rng, 2)
    x, y = warp(rng, height)
    band = np.floor(x / 44) % 2 * 2 - 1  # the twill turns every 44 px: a herringbone
    twill = 0.5 + 0.5 * np.sin((y + band * x) / 7 * np.pi)
    fleck = smooth_noise(rng, 3) * 0.5 + smooth_noise(rng, 60) * 0.5
    pattern = np.clip(0.6 * twill + 0.4 * fleck, 0, 1)
    finish(colourise(pattern, (92, 88, 82), (190, 184, 172)), shade(height, 16), "herringbone-wool.jpg", rng)


def cable_knit(rng: np.random.Generator) -> None:
    height = folds(rng, 2) * 0.6
    x, y = warp(rng, height)
    # knit stitches: columns of Vs, 16 px wide and 14 high, each a rounded loop of yarn
    across = np.abs((x % 16) - 8) / 8
    loop = np.sin(((y + across * 9) % 14) / 14 * np.pi)
    # every fourth column pair a cable: its stitches twist, a rope down the cloth
    cable = (np.floor(x / 64) % 3 == 1)
    twist = np.sin((y / 40 + np.abs((x % 64) - 32) / 20) * np.pi)
    relief = np.where(cable, 0.5 * loop + 0.5 * twist, loop) - 0.25 * (np.abs((x % 64) - 32) > 28)
    relief = relief + 0.15 * smooth_noise(rng, 4)
    light = shade(height * 3 + relief * 0.8, 6)
    pattern = np.clip(0.5 + 0.5 * relief, 0, 1)
    finish(colourise(pattern, (150, 138, 114), (236, 228, 208)), light, "fisherman-knit.jpg", rng,
           blur=1.5)  # the finest of them: softer, to stay within 60 KiB


def linen(rng: np.random.Generator) -> None:
    height = folds(rng, 2)
    x, y = warp(rng, height)
    weave = (np.sin(x / 4 * np.pi) * np.sin(y / 4 * np.pi)) * 0.5 + 0.5  # plain weave, over and under
    slubs = np.clip(smooth_noise(rng, 2.5, (H, W)) * 1.4 - 0.4, 0, 1) * smooth_noise(rng, 30)  # thick yarns
    pattern = np.clip(0.45 * weave + 0.35 * slubs + 0.2 * smooth_noise(rng, 80), 0, 1)
    finish(colourise(pattern, (168, 150, 116), (232, 220, 194)), shade(height, 18), "washed-linen.jpg", rng)


def main() -> None:
    for number, render in enumerate((denim, herringbone, cable_knit, linen)):
        render(np.random.default_rng(16_000 + number))
    for path in sorted(HERE.glob("*.jpg")):
        print(f"{path.name}: {path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
