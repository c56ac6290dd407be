"""What the admin accepts as an image or a document upload.

Wagtail already limits size (WAGTAILIMAGES_MAX_UPLOAD_SIZE, WAGTAILDOCS_MAX_UPLOAD_SIZE) and
extension, and checks that an image's contents match its extension. These forms add:

- SVG is refused for both, by name and by content, with a message that says why: an SVG can
  carry script that runs on our origin.
- A document's first bytes must match its extension (a PDF starts `%PDF-`, Office and
  OpenDocument files are zip archives, and so on), so markup renamed `.pdf` is refused too.
- An image Pillow cannot read (a GIF cut off after its header) is a form error, where
  Wagtail's own size check would let Pillow's error through as a 500.
"""

import re

from django import forms
from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.forms import BaseImageForm

SVG_REFUSED = (
    "SVG files cannot be uploaded: they can carry scripts. "
    "Save the picture as PNG (or the document as PDF) and upload that instead."
)
ZIP = b"PK\x03\x04"
DOCUMENT_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "docx": (ZIP,),
    "xlsx": (ZIP,),
    "pptx": (ZIP,),
    "odt": (ZIP,),
    "rtf": (b"{\\rtf",),
}
TEXT_TYPES = {"csv", "txt"}
# Markup a browser might render as a page or an image with script: never a document we serve.
MARKUP = re.compile(rb"^\s*(<\?xml|<svg|<!doctype|<html|<head|<body|<script)", re.IGNORECASE)


def _extension(upload):
    return upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""


def _head(upload, size=1024):
    position = upload.tell()
    upload.seek(0)
    head = upload.read(size)
    upload.seek(position)
    return head.lstrip(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark hides nothing


def is_svg(upload):
    head = _head(upload)
    return _extension(upload) in {"svg", "svgz"} or (
        MARKUP.match(head) is not None and b"<svg" in head.lower()
    )


def check_document(upload):
    """Raise ValidationError unless the document's contents match its type."""
    if is_svg(upload):
        raise forms.ValidationError(SVG_REFUSED, code="svg")
    extension, head = _extension(upload), _head(upload)
    if MARKUP.match(head):
        raise forms.ValidationError(
            "This file is a web page or markup, not a document. Upload a PDF instead.",
            code="markup",
        )
    signatures = DOCUMENT_SIGNATURES.get(extension)
    if signatures and not head.startswith(signatures):
        raise forms.ValidationError(
            f"This file is not a real .{extension} file: its contents do not match its name.",
            code="mismatch",
        )
    if extension in TEXT_TYPES and b"\x00" in head:
        raise forms.ValidationError(
            f"This file is not plain text, so it cannot be a .{extension} file.", code="mismatch"
        )


BROKEN_IMAGE = (
    "This picture is damaged or incomplete, so it cannot be used. Open it on your computer to "
    "check it, save it again as PNG or JPEG, and upload that."
)


def _refusing_broken_images(field):
    """Wrap the image field's to_python: Wagtail's checks keep their messages (SVG, wrong
    extension, too big), and a file Pillow cannot read is a form error instead of a 500."""
    to_python = field.to_python

    def checked(data):
        try:
            upload = to_python(data)
        except forms.ValidationError:
            raise
        except Exception as error:  # Pillow's, from inside Wagtail's size check
            raise forms.ValidationError(BROKEN_IMAGE, code="invalid_image") from error
        return upload

    field.to_python = checked


class ImageForm(BaseImageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            _refusing_broken_images(self.fields["file"])
        # Wagtail's image field refuses SVG itself (not in WAGTAILIMAGES_EXTENSIONS, or not
        # what its extension claims); say why when that is what was sent.
        upload = self.files.get(self.add_prefix("file")) if self.is_bound else None
        if upload is not None and "file" in self.fields and is_svg(upload):
            messages = self.fields["file"].error_messages
            messages["invalid_image_extension"] = SVG_REFUSED
            messages["invalid_image_known_format"] = SVG_REFUSED
            messages["invalid_image"] = SVG_REFUSED


class DocumentForm(BaseDocumentForm):
    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and "file" in self.changed_data:
            check_document(upload)
        return upload
