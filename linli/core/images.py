"""Uploaded images made safe to keep and to serve: decoded under a pixel limit, turned upright, re-encoded
without metadata (EXIF, GPS position, comments), and named by what they really are.

Every image upload goes through ``clean_image``. The stored bytes are Pillow's own encoding of the decoded
pixels, never the uploader's file: whatever was hidden in it (a script after the image data, a GPS position,
a wrong extension) does not survive.
"""

import io
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

from linli.core.errors import DomainError

MAX_BYTES = 10 * 1024 * 1024
# 5000 万像素: more than any phone's default photo (12–50 MP) and below Pillow's own decompression-bomb limit
# (≈ 8950 万), so the refusal is ours and its message Chinese. A 30000 × 30000 PNG is refused before decoding.
MAX_PIXELS = 50_000_000
# Stored photos are at most 4096 pixels on the long side: enough to read a meter or a licence plate.
MAX_SIDE = 4096
ACCEPTED = {"JPEG", "MPO", "PNG", "WEBP", "GIF"}  # MPO: a JPEG with a second (depth) frame, from some phones
FORMATS = "JPG、PNG、WebP、GIF"
JPEG_QUALITY = 85


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    content_type: str  # image/jpeg or image/png
    extension: str  # jpg or png
    width: int
    height: int

    @property
    def size(self) -> int:
        return len(self.content)


def clean_image(upload: UploadedFile, *, label: str = "照片", field: str = "photos") -> CleanImage:
    """Check and re-encode one uploaded image; refuse anything else with a Chinese ``DomainError``.

    Photographs (JPEG, MPO, WebP without transparency) become JPEG; drawings and screenshots (PNG, GIF) and
    anything with transparency become PNG. The EXIF orientation is applied to the pixels, then all metadata
    is dropped. An animated GIF keeps its first frame.
    """
    name = getattr(upload, "name", "") or label

    def refuse(reason: str) -> DomainError:
        return DomainError(f"{label}：“{name}”{reason}", field=field)

    if upload.size is not None and upload.size > MAX_BYTES:
        raise refuse(f"超过 {MAX_BYTES // (1024 * 1024)} MB")
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            if img.format not in ACCEPTED:
                raise refuse(f"格式 {img.format} 不支持（支持 {FORMATS}）")
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise refuse(f"尺寸过大（{width}×{height} 像素，最多 {MAX_PIXELS // 10_000} 万像素）")
            return _reencode(img)
    except DomainError:
        raise
    except Image.DecompressionBombError:  # Pillow's own limit, checked while opening: too large to look at
        raise refuse(f"尺寸过大（最多 {MAX_PIXELS // 10_000} 万像素）")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError):
        raise refuse(f"不是有效的图片（支持 {FORMATS}）")
    finally:
        upload.seek(0)


def _reencode(img: Image.Image) -> CleanImage:
    lossless = img.format in ("PNG", "GIF")
    if img.format in ("JPEG", "MPO"):
        img.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode a large JPEG at a reduced scale: less memory, less time
    img.load()  # decodes every byte: a truncated or corrupt file fails here, not later
    icc = img.info.get("icc_profile")
    upright = ImageOps.exif_transpose(img)
    alpha = upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info)
    if lossless or alpha:
        fmt, content_type, extension = "PNG", "image/png", "png"
        if upright.mode not in ("RGB", "RGBA", "L", "LA"):
            upright = upright.convert("RGBA" if alpha else "RGB")
    else:
        fmt, content_type, extension = "JPEG", "image/jpeg", "jpg"
        if upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    buffer = io.BytesIO()
    options = {"quality": JPEG_QUALITY, "optimize": True} if fmt == "JPEG" else {}
    if icc:  # the colour profile only: it describes colours, not the photographer or the place
        options["icc_profile"] = icc
    upright.save(buffer, format=fmt, **options)
    return CleanImage(buffer.getvalue(), content_type, extension, upright.width, upright.height)
