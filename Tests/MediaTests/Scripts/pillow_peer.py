"""Pillow as an independent peer for the Media tests: makes fixture images (one JSON command per
line on stdin, one JSON reply per line on stdout) and inspects what Siaran produced."""
import io
import json
import os
import struct
import sys
import zlib

from PIL import Image, ImageOps

QUADRANTS = [(220, 30, 30), (30, 200, 40), (40, 60, 220), (250, 250, 250)]  # TL, TR, BL, BR


def quadrant_image(width, height):
    image = Image.new("RGB", (width, height))
    half_w, half_h = width // 2, height // 2
    for index, colour in enumerate(QUADRANTS):
        x0 = 0 if index % 2 == 0 else half_w
        y0 = 0 if index < 2 else half_h
        image.paste(colour, (x0, y0, x0 + (half_w if index % 2 == 0 else width - half_w),
                             y0 + (half_h if index < 2 else height - half_h)))
    return image


# For each orientation, the transpose that makes the stored image from the upright one
# (the inverse of what a viewer applies).
STORE = {
    1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_270,
}


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def raw_png(width, height, depth, colour_type, rows, extra=b""):
    """A PNG written by hand, for bit depths and layouts Pillow does not write (16-bit RGB(A), 2-bit grey)."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    body = b"".join(b"\x00" + row for row in rows)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + extra
            + png_chunk(b"IDAT", zlib.compress(body)) + png_chunk(b"IEND", b""))


def make_fixtures(folder):
    os.makedirs(folder, exist_ok=True)
    expect = {}

    def save(name, image, **options):
        image.save(os.path.join(folder, name), **options)

    upright = quadrant_image(64, 48)
    for orientation, transpose in STORE.items():
        stored = upright if transpose is None else upright.transpose(transpose)
        exif = Image.Exif()
        exif[0x0112] = orientation
        save(f"orient-{orientation}.jpg", stored, quality=95, exif=exif.tobytes())
        # The peer itself must agree that the file shows the upright picture.
        check = ImageOps.exif_transpose(Image.open(os.path.join(folder, f"orient-{orientation}.jpg")))
        assert check.size == upright.size, (orientation, check.size)
        for x, y in [(16, 12), (48, 12), (16, 36), (48, 36)]:
            got, want = check.convert("RGB").getpixel((x, y)), upright.getpixel((x, y))
            assert max(abs(a - b) for a, b in zip(got, want)) < 20, (orientation, x, y, got, want)

    # The same orientation in a PNG eXIf chunk and a WebP EXIF chunk.
    exif = Image.Exif()
    exif[0x0112] = 6
    save("orient-6.png", upright.transpose(STORE[6]), exif=exif.tobytes())
    save("orient-6.webp", upright.transpose(STORE[6]), lossless=True, exif=exif.tobytes())
    save("baseline.jpg", upright, quality=92)
    save("progressive.jpg", upright, quality=92, progressive=True)
    save("gray.jpg", upright.convert("L"), quality=92)
    cmyk = Image.new("CMYK", (64, 48))
    for index, ink in enumerate([(255, 0, 0, 0), (0, 255, 0, 0), (0, 0, 255, 0), (0, 0, 0, 128)]):
        x0, y0 = (index % 2) * 32, (index // 2) * 24
        cmyk.paste(ink, (x0, y0, x0 + 32, y0 + 24))
    save("cmyk-adobe.jpg", cmyk, quality=95)
    decoded = Image.open(os.path.join(folder, "cmyk-adobe.jpg")).convert("RGB")
    expect["cmyk-adobe.jpg"] = [list(decoded.getpixel((x, y))) for x, y in [(16, 12), (48, 12), (16, 36), (48, 36)]]

    # PNG variants: 8-bit RGB, RGBA with a transparent half, palette with tRNS, grey, grey+alpha, 16-bit.
    save("rgb.png", upright)
    rgba = Image.new("RGBA", (64, 48), (200, 20, 20, 255))
    rgba.paste((0, 0, 255, 0), (32, 0, 64, 48))  # right half fully transparent (blue, invisible)
    rgba.paste((0, 0, 0, 128), (0, 24, 32, 48))  # bottom left half-transparent black
    save("rgba.png", rgba)
    palette = upright.convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    transparent = palette.getpixel((48, 36))  # the white quadrant's index becomes transparent
    save("palette-trns.png", palette, transparency=transparent)
    save("gray.png", upright.convert("L"))
    gray_alpha = Image.merge("LA", (upright.convert("L"), Image.new("L", (64, 48), 255)))
    gray_alpha.paste((0, 0), (32, 0, 64, 48))
    save("gray-alpha.png", gray_alpha)
    rows16 = []
    rows16a = []
    for y in range(48):
        row, row_a = b"", b""
        for x in range(64):
            r, g, b = upright.getpixel((x, y))
            row += struct.pack(">HHH", r * 257, g * 257, b * 257)
            row_a += struct.pack(">HHHH", r * 257, g * 257, b * 257, 65535 if x < 32 else 0)
        rows16.append(row)
        rows16a.append(row_a)
    with open(os.path.join(folder, "rgb16.png"), "wb") as out:
        out.write(raw_png(64, 48, 16, 2, rows16))
    with open(os.path.join(folder, "rgba16.png"), "wb") as out:
        out.write(raw_png(64, 48, 16, 6, rows16a))
    # 2-bit grey: left half level 3 (white), right half level 0 (black).
    rows2 = [bytes([0xFF] * 4 + [0x00] * 4) for _ in range(48)]
    with open(os.path.join(folder, "gray2.png"), "wb") as out:
        out.write(raw_png(32, 48, 2, 0, rows2))

    # WebP: lossy, lossless with alpha, animated (first frame red, second blue).
    save("lossy.webp", upright, quality=90)
    save("lossless-alpha.webp", rgba, lossless=True)
    save("lossy-alpha.webp", rgba, quality=90)
    frames = [Image.new("RGB", (40, 30), (230, 20, 20)), Image.new("RGB", (40, 30), (20, 20, 230))]
    frames[0].save(os.path.join(folder, "animated.webp"), save_all=True, append_images=frames[1:], duration=200, loop=0)

    # Formats that are refused.
    save("picture.gif", upright.convert("P"))
    save("document.pdf", upright)
    save("photo.bmp", upright)
    save("scan.tiff", upright)
    with open(os.path.join(folder, "iphone.heic"), "wb") as out:
        out.write(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64))
    with open(os.path.join(folder, "notes.jpg"), "wb") as out:
        out.write("Promo Lebaran: diskon 50%!\n".encode())
    # A PNG named .jpg (wrong extension), a JPEG named .png.
    save("actually-png.jpg", upright, format="PNG")
    save("actually-jpeg.png", upright, format="JPEG", quality=92)
    return {"expect": expect}


def inspect(path, points):
    image = Image.open(path)
    info = {"format": image.format, "width": image.size[0], "height": image.size[1], "mode": image.mode,
            "progressive": bool(image.info.get("progressive") or image.info.get("progression")),
            "exif": bool(image.info.get("exif")), "icc": bool(image.info.get("icc_profile"))}
    rgb = image.convert("RGBA" if image.mode in ("RGBA", "LA", "PA") else "RGB")
    info["pixels"] = [list(rgb.getpixel((x, y))) for x, y in points]
    return info


def resize(width, height, new_width, new_height, pixels_hex):
    image = Image.frombytes("RGB", (width, height), bytes.fromhex(pixels_hex))
    return image.resize((new_width, new_height), Image.Resampling.LANCZOS).tobytes().hex()


for line in sys.stdin:
    try:
        command = json.loads(line)
        kind = command["cmd"]
        if kind == "fixtures":
            reply = make_fixtures(command["dir"])
        elif kind == "inspect":
            reply = inspect(command["path"], command.get("points", []))
        elif kind == "resize":
            reply = {"pixels": resize(command["width"], command["height"], command["new_width"],
                                      command["new_height"], command["pixels"])}
        else:
            reply = {"error": f"unknown command {kind}"}
    except Exception as error:  # reported to the Swift side, which fails the test
        reply = {"error": f"{type(error).__name__}: {error}"}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
