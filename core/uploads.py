"""Uploaded images and scans: checked, resized and re-encoded before anything is stored.

Covers, update photos, milestone evidence and expense scans come from phones. A phone photo
carries EXIF metadata, often with the GPS position where it was taken: for a pseudonymous lead
that is their home. So an image is never stored as uploaded. It is decoded (which proves it is
an image), turned upright from its EXIF orientation, resized to a sensible width and encoded
again from its pixels alone: no EXIF, no GPS, no XMP, no comment, no embedded colour profile
(the pixels are converted to sRGB first, so colours stay right).

Every function takes an uploaded file (anything with read/seek/size, like Django's
UploadedFile) and returns a ContentFile with a fresh random name, ready for a FileField, or
raises BadUpload with a message for the member.
"""

import contextlib
import io
import threading
import uuid
import warnings

from django.core.files import File
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from core import pdf_scans
from core.errors import BadUpload

MEGABYTE = 1024 * 1024
# What a member may upload. Phones save photos of 2–6 MB; 8 MB leaves room without letting
# anyone fill the disk. The cover keeps its own, older limit (the proposal form says 5 MB).
MAX_UPLOAD_BYTES = 8 * MEGABYTE
COVER_MAX_BYTES = 5 * MEGABYTE
SCAN_MAX_BYTES = 8 * MEGABYTE
# Decompression bombs: a small file that decodes to billions of pixels. 50 megapixels is more
# than any phone saves by default; the check reads the header only, before decoding.
MAX_PIXELS = 50_000_000

# Widths pages show them at (a 2× screen included). Long scans (a till receipt) may be tall.
COVER_MAX_WIDTH = 1600
PHOTO_MAX_WIDTH = 1600
SCAN_MAX_WIDTH = 2000
MAX_HEIGHT_RATIO = 3

# Pillow format → extension of the stored file. The stored file keeps its format: a PNG
# (a screenshot, a drawing with transparency) stays a PNG.
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
ENCODER_OPTIONS = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 85, "method": 4},
}

PDF_MAGIC = b"%PDF-"
SRGB = ImageCms.createProfile("sRGB")


def _not_an_image():
    return BadUpload(
        _("This file is not an image we can read: send a JPEG, PNG or WebP photo."), code="unreadable_image"
    )


def _too_large(size, limit):
    return BadUpload(
        _("The file is %(size)s MB; it must be at most %(limit)s MB. Please choose a smaller file.")
        % {"size": f"{size / MEGABYTE:.1f}", "limit": limit // MEGABYTE},
        code="file_too_large",
    )


def is_new_upload(value):
    """True for a file just uploaded; False for the stored file (a FieldFile), '' or None."""
    return isinstance(value, File) and not isinstance(value, FieldFile) and bool(value)


def _read(file, max_bytes):
    """The upload's bytes, refusing it before reading when it says it is too large."""
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes:
        raise _too_large(size, max_bytes)
    file.seek(0)
    data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)
    if not data:
        raise BadUpload(_("The file is empty."), code="empty_file")
    return data


def _too_many_pixels(pixels):
    return BadUpload(
        _("This image has too many pixels (%(megapixels)s megapixels): send a smaller photo.")
        % {"megapixels": pixels // 1_000_000},
        code="too_many_pixels",
    )


# WeasyPrint, once imported (receipts), sets Pillow's LOAD_TRUNCATED_IMAGES for the whole
# process, and a cut-off upload would then decode with grey where its data stops. Our own
# decoding turns it off for its duration; the lock keeps two uploads from restoring it crosswise.
_strict_decoding = threading.Lock()


@contextlib.contextmanager
def _refusing_truncated_files():
    with _strict_decoding:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _decode(data, max_width):
    """Open, check and fully decode an image, or raise BadUpload. Returns (image, format)."""
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own limit (89 Mpx) and refuses above twice that; ours is
            # lower and checked from the header, before any pixel is decoded.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
                image_format = probe.format
                if probe.width * probe.height > MAX_PIXELS:
                    raise _too_many_pixels(probe.width * probe.height)
                # verify() checks the file's structure (CRCs, truncation) without decoding it...
                probe.verify()
            # ...and leaves the image unusable: open it again, then decode the pixels for real.
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            if image_format == "JPEG":
                # JPEG can decode at 1/2, 1/4 or 1/8 scale directly: Pillow picks the smallest
                # that still covers max_width on both sides (turned upright or not). A 12 Mpx
                # photo then takes a quarter of the time and memory.
                image.draft(None, (max_width, max_width))
            with _refusing_truncated_files():
                image.load()
    except BadUpload:
        raise
    except Image.DecompressionBombError:
        raise _too_many_pixels(2 * Image.MAX_IMAGE_PIXELS) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _not_an_image() from None
    return image, image_format


def _to_srgb(image):
    """Pixels converted to sRGB from the embedded profile, so the profile can be dropped."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(image, source, SRGB, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a broken profile: keep the pixels as they are


def _clean_mode(image, image_format):
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if image_format == "JPEG":
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if has_alpha:
        return image if image.mode == "RGBA" else image.convert("RGBA")
    return image if image.mode in ("RGB", "L") else image.convert("RGB")


def _encode(image, image_format):
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **ENCODER_OPTIONS[image_format])
    return buffer.getvalue()


def process_image(file, *, max_width=PHOTO_MAX_WIDTH, max_bytes=MAX_UPLOAD_BYTES):
    """An uploaded photo, checked and re-encoded without metadata, as a ContentFile named
    `<random>.<jpg|png|webp>`. Raises BadUpload (unreadable, wrong format, too large)."""
    image, image_format = _decode(_read(file, max_bytes), max_width)
    try:
        # Upright first: the EXIF orientation is about to be dropped with the rest.
        image = ImageOps.exif_transpose(image)
        image = _clean_mode(_to_srgb(image), image_format)
        if image.width > max_width or image.height > max_width * MAX_HEIGHT_RATIO:
            image.thumbnail((max_width, max_width * MAX_HEIGHT_RATIO), Image.Resampling.LANCZOS)
        # Nothing of the original file travels on: the encoders read EXIF, XMP, comments and
        # profiles from `info`, so it is emptied, and no metadata is passed to save().
        image.info = {}
        data = _encode(image, image_format)
    except (OSError, ValueError, SyntaxError):
        raise _not_an_image() from None
    return ContentFile(data, name=f"{uuid.uuid4().hex}.{FORMATS[image_format]}")


@contextlib.contextmanager
def _on_field(field):
    """Errors raised inside name the form field they belong to."""
    try:
        yield
    except BadUpload as error:
        error.field = error.field or field
        raise


def process_cover(file, *, field="cover_image"):
    with _on_field(field):
        return process_image(file, max_width=COVER_MAX_WIDTH, max_bytes=COVER_MAX_BYTES)


def process_photo(file, *, field="image"):
    with _on_field(field):
        return process_image(file, max_width=PHOTO_MAX_WIDTH)


def process_scan(file, *, field="scan"):
    with _on_field(field):
        return _process_scan(file)


def _process_scan(file):
    """The scan of a supplier's receipt: a photo (processed as any image) or a PDF.

    PDFs are kept as they were sent: stripping their metadata (author, software, dates) would
    mean rewriting the document, which we do not do. The form tells leads so. We do check that
    it starts like a PDF and ends like one, so a renamed file is refused, that it holds nothing
    that acts when opened (scripts, automatic actions, attached files: core/pdf_scans.py), and we
    store it under a random name ending in .pdf (served as a PDF, never as whatever it might also be).
    """
    data = _read(file, SCAN_MAX_BYTES)
    name = (getattr(file, "name", "") or "").lower()
    if data.startswith(PDF_MAGIC):
        damaged = BadUpload(_("This PDF is incomplete or damaged: send the whole file again."), code="unreadable_pdf")
        if b"%%EOF" not in data[-2048:]:
            raise damaged
        try:
            active = pdf_scans.active_content(data)
        except pdf_scans.UnreadablePDF:
            raise damaged from None
        if active:
            # Refused, not cleaned: rewriting the document is what we do not do (above), and a
            # receipt needs none of it.
            raise BadUpload(
                _(
                    "This PDF holds scripts, automatic actions or attached files, which a receipt does not "
                    "need and which would run for everyone who opens it. Print it to a new PDF (“Save as "
                    "PDF” in the print window), or send a photo of the receipt."
                ),
                code="active_pdf",
            )
        return ContentFile(data, name=f"{uuid.uuid4().hex}.pdf")
    if name.endswith(".pdf"):
        raise BadUpload(
            _("This file is not a PDF we can read: send a PDF, or a JPEG, PNG or WebP photo of the receipt."),
            code="unreadable_pdf",
        )
    try:
        return process_image(io.BytesIO(data), max_width=SCAN_MAX_WIDTH, max_bytes=SCAN_MAX_BYTES)
    except BadUpload as error:
        if error.code == "unreadable_image":
            raise BadUpload(
                _("This file is neither an image nor a PDF we can read: send a JPEG, PNG or WebP photo, or a PDF."),
                code="unreadable_scan",
            ) from None
        raise
