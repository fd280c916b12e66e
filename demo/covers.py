"""The demo's cover pictures, drawn here rather than shipped: a landscape by the project's place
(mountains for the Atlas, a coast for Agadir and Lomé, dunes for Erfoud) and a subject by its
category (a school, a stack of blankets, a long table for shared meals). Each picture is drawn
from the project's slug, so the same demo always gets the same covers, and the repository holds
no image of anyone.

They go through the same upload path as a lead's cover (projects.services.project_update, which
re-encodes and bounds it), so the demo shows what a real upload looks like on the pages."""

import io
import random

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 1280, 720

SKIES = {
    "education": ((120, 180, 230), (236, 242, 246)),
    "warm_clothing": ((150, 170, 200), (240, 240, 245)),
    "food_aid": ((235, 140, 90), (250, 215, 160)),  # sunset: the fast breaks at dusk
}
LANDSCAPES = {"Al Haouz": "mountains", "Drâa-Tafilalet": "dunes", "Souss-Massa": "coast", "Maritime": "coast"}


def cover_jpeg(*, slug, category, region):
    """A 1280×720 JPEG, as bytes."""
    rng = random.Random(slug)
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    top, bottom = SKIES.get(category, ((130, 185, 225), (235, 240, 240)))
    for y in range(HEIGHT):
        share = y / HEIGHT
        draw.line([(0, y), (WIDTH, y)], fill=tuple(int(a + (b - a) * share) for a, b in zip(top, bottom, strict=True)))
    sun_x = rng.randint(150, WIDTH - 150)
    draw.ellipse([sun_x - 55, 90, sun_x + 55, 200], fill=(255, 226, 140))
    landscape = LANDSCAPES.get(region, "hills")
    horizon = _landscape(draw, rng, landscape, snowy=category == "warm_clothing")
    {"education": _school, "warm_clothing": _blankets, "food_aid": _table}.get(category, _houses)(draw, rng, horizon)
    output = io.BytesIO()
    # Flat colours compress well: 20 to 35 KB each, for phones on slow connections.
    image.save(output, "JPEG", quality=75, optimize=True)
    return output.getvalue()


def _ridge(rng, base, height, peaks):
    points = [(0, HEIGHT)]
    for index in range(peaks + 1):
        x = index * WIDTH / peaks
        points.append((x, base - rng.uniform(0.3, 1.0) * height if index % 2 else base - rng.uniform(0, 0.3) * height))
    points.append((WIDTH, HEIGHT))
    return points


def _landscape(draw, rng, kind, *, snowy):
    if kind == "mountains":
        for base, height, colour in ((420, 260, (120, 120, 150)), (500, 200, (150, 110, 90))):
            ridge = _ridge(rng, base, height, 8)
            draw.polygon(ridge, fill=colour)
            if snowy:
                for (_left, y0), (x1, y1), (_right, y2) in zip(ridge[1:-3], ridge[2:-2], ridge[3:-1], strict=True):
                    if y1 < y0 and y1 < y2:  # a peak: its cap
                        draw.polygon([(x1, y1), (x1 - 45, y1 + 40), (x1 + 45, y1 + 40)], fill=(250, 250, 252))
        ground = (190, 150, 110)
    elif kind == "dunes":
        for base, colour in ((470, (226, 170, 110)), (540, (210, 150, 90))):
            draw.polygon(_ridge(rng, base, 90, 5), fill=colour)
        ground = (220, 165, 105)
    elif kind == "coast":
        draw.rectangle([0, 430, WIDTH, 540], fill=(40, 120, 170))
        for y in range(445, 540, 22):
            draw.line([(0, y), (WIDTH, y)], fill=(90, 160, 200), width=3)
        ground = (232, 210, 160)
    else:
        draw.polygon(_ridge(rng, 480, 120, 6), fill=(120, 160, 100))
        ground = (150, 180, 110)
    draw.rectangle([0, 540, WIDTH, HEIGHT], fill=ground)
    return 540


def _school(draw, rng, horizon):
    left = rng.randint(300, 600)
    walls = (236, 200, 150)
    draw.rectangle([left, horizon - 190, left + 380, horizon + 40], fill=walls, outline=(150, 110, 80), width=4)
    roof = [(left - 30, horizon - 190), (left + 190, horizon - 300), (left + 410, horizon - 190)]
    draw.polygon(roof, fill=(180, 70, 45))
    draw.rectangle([left + 160, horizon - 90, left + 220, horizon + 40], fill=(110, 70, 45))
    for x in (left + 40, left + 270):
        draw.rectangle([x, horizon - 150, x + 70, horizon - 90], fill=(170, 210, 235), outline=(120, 90, 60), width=3)
    draw.line([(left + 190, horizon - 300), (left + 190, horizon - 380)], fill=(90, 90, 90), width=5)
    draw.rectangle([left + 192, horizon - 380, left + 262, horizon - 340], fill=(193, 39, 45))


def _blankets(draw, rng, horizon):
    colours = [(193, 39, 45), (240, 180, 60), (40, 110, 160), (70, 140, 90), (150, 70, 140), (230, 120, 60)]
    for stack in range(3):
        left = 260 + stack * 280 + rng.randint(-20, 20)
        y = horizon + 60
        for _layer in range(rng.randint(5, 7)):
            colour = rng.choice(colours)
            draw.rounded_rectangle([left, y - 34, left + 220, y], radius=12, fill=colour, outline=(60, 50, 50), width=2)
            draw.line([(left + 14, y - 17), (left + 206, y - 17)], fill=(255, 255, 255), width=2)
            y -= 34


def _table(draw, rng, horizon):
    draw.rectangle([120, horizon - 10, WIDTH - 120, horizon + 30], fill=(200, 70, 50))
    draw.rectangle([120, horizon + 30, WIDTH - 120, horizon + 45], fill=(140, 50, 40))
    for x in range(170, WIDTH - 170, 120):
        draw.ellipse([x, horizon - 40, x + 70, horizon - 5], fill=(250, 245, 235), outline=(120, 80, 60), width=3)
        draw.ellipse([x + 10, horizon - 34, x + 60, horizon - 16], fill=(190, 110, 50))
    for x in range(200, WIDTH - 200, 220):  # lanterns
        draw.line([(x, 0), (x, 230 + rng.randint(0, 40))], fill=(90, 70, 60), width=3)
        draw.ellipse([x - 22, 230, x + 22, 290], fill=(250, 200, 80), outline=(160, 100, 40), width=3)


def _houses(draw, rng, horizon):
    for index in range(4):
        left = 180 + index * 240
        draw.rectangle([left, horizon - 120, left + 160, horizon + 30], fill=(230, 200, 160))
        roof = [(left - 15, horizon - 120), (left + 80, horizon - 190), (left + 175, horizon - 120)]
        draw.polygon(roof, fill=(170, 80, 50))
