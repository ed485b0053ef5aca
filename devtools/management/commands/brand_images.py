"""Draw the site's icon and default share image into static/img/ (PNG files committed
with the code; run again only when the design changes).

The icon repeats static/img/favicon.svg (three linked points on the header's dark blue:
structures cooperating on one territory) for browsers without SVG favicons; the share
image, shown by social networks and messaging apps for pages without a logo of their
own, says the site's name and nothing else.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw, ImageFont

DARK = "#123d60"
LIGHT = "#ffffff"
GOLD = "#ffd166"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
FONT_REGULAR = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def draw_icon(size: int) -> Image.Image:
    """The favicon's drawing at `size` pixels (drawn 8 times larger, then reduced)."""
    scale = size * 8 / 32
    image = Image.new("RGBA", (size * 8, size * 8), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size * 8 - 1, size * 8 - 1), radius=6 * scale, fill=DARK)
    points = [(16, 9), (23, 22), (9, 22)]
    points = [(x * scale, y * scale) for x, y in points]
    draw.line([*points, points[0]], fill=LIGHT, width=round(2.2 * scale), joint="curve")
    for index, (x, y) in enumerate(points):
        radius = 3.6 * scale
        fill = GOLD if index == 0 else LIGHT
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)
    return image.resize((size, size), Image.LANCZOS)


def draw_share_image() -> Image.Image:
    """1200×630, the size Open Graph readers expect."""
    image = Image.new("RGB", (1200, 630), DARK)
    image.paste(draw_icon(160), (96, 96), draw_icon(160))
    draw = ImageDraw.Draw(image)
    draw.text((96, 320), "Annuaire des PTCE", font=ImageFont.truetype(str(FONT), 92), fill=LIGHT)
    subtitle = ImageFont.truetype(str(FONT_REGULAR), 40)
    draw.text((96, 450), "Pôles territoriaux de coopération économique", font=subtitle, fill=LIGHT)
    draw.rectangle((96, 530, 296, 538), fill=GOLD)
    return image


class Command(BaseCommand):
    help = "Draw static/img/favicon.png, apple-touch-icon.png and share.png."

    def handle(self, *args, **options):
        folder = Path(settings.BASE_DIR) / "static" / "img"
        draw_icon(32).save(folder / "favicon.png", optimize=True)
        draw_icon(180).save(folder / "apple-touch-icon.png", optimize=True)
        draw_share_image().save(folder / "share.png", optimize=True)
        self.stdout.write(f"Drawn in {folder}")
