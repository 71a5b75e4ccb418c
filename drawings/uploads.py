"""Limits enforced while an upload streams in, before the whole body has been read.

- The declared body size (Content-Length) is checked before anything is read: more than the
  per-file limit times the files allowed per request (plus room for the form) is refused at once.
- Each file is written to a temporary file as it arrives; the chunk that takes it past
  DRAWINGS_MAX_UPLOAD_BYTES stops it (the rest of that file is skipped, never stored).
- The file after DRAWINGS_MAX_FILES_PER_REQUEST stops the whole upload.
The handler must be installed before anything reads `request.POST` or `request.FILES`, so the
views that use it check CSRF themselves, after installing it (Django's documented pattern).
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import SkipFile, StopUpload, TemporaryFileUploadHandler

# Room for the form fields and multipart boundaries around the files.
FORM_OVERHEAD = 1024 * 1024


def max_request_bytes() -> int:
    return (
        settings.DRAWINGS_MAX_UPLOAD_BYTES * settings.DRAWINGS_MAX_FILES_PER_REQUEST + FORM_OVERHEAD
    )


def declared_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def body_too_large(request) -> bool:
    return declared_length(request) > max_request_bytes()


class DrawingUploadHandler(TemporaryFileUploadHandler):
    """Temporary files, with the per-file size limit and the file-count limit applied as the
    body streams in. What it stopped is listed for the view to report."""

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.too_large: list[str] = []
        self.too_many = False
        self.count = 0
        self.current_name = ""
        self.current_size = 0

    def new_file(self, field_name, file_name, *args, **kwargs) -> None:
        self.count += 1
        if self.count > settings.DRAWINGS_MAX_FILES_PER_REQUEST:
            self.too_many = True
            raise StopUpload(connection_reset=False)
        self.current_name = file_name or ""
        self.current_size = 0
        super().new_file(field_name, file_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int):
        self.current_size += len(raw_data)
        if self.current_size > settings.DRAWINGS_MAX_UPLOAD_BYTES:
            self.too_large.append(self.current_name)
            self.file.close()  # a temporary file: closing removes it
            raise SkipFile()
        return super().receive_data_chunk(raw_data, start)


def install(request) -> DrawingUploadHandler:
    handler = DrawingUploadHandler(request)
    request.upload_handlers = [handler]
    return handler
