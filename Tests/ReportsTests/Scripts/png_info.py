"""Prints a PNG's size and the colours at the given points (x,y in pixels) as JSON, read with Pillow."""
import json
import sys

from PIL import Image

image = Image.open(sys.argv[1]).convert("RGB")
points = [tuple(int(v) for v in p.split(",")) for p in sys.argv[2:]]
colours = image.getcolors(maxcolors=1 << 20) or []
json.dump({
    "size": list(image.size),
    "format": Image.open(sys.argv[1]).format,
    "points": [list(image.getpixel(p)) for p in points],
    "distinct": len(colours),
}, sys.stdout)
