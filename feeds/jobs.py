"""Running an uploaded import in the background, recording its progress as it goes.

The web request saves the file and starts a thread; the progress page reads the
job row. One process, no job queue: enough for the index team's uploads; large
national feeds use the import_records command.
"""

import io
import threading
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import close_old_connections
from django.utils import timezone

from accounts.models import User
from feeds.importing import RowError, report_writer
from feeds.models import ImportJob, ImportStatus
from feeds.pipeline import import_file


def import_job_create(*, user: User, upload: UploadedFile, source: str, dry_run: bool) -> ImportJob:
    directory = Path(settings.UPLOAD_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    job = ImportJob(
        source=source,
        filename=Path(upload.name).name[:200],
        size=upload.size,
        uploaded_by=user,
        dry_run=dry_run,
        path="",
    )
    suffix = ".jsonl" if job.filename.endswith((".jsonl", ".ndjson")) else ".csv"
    target = directory / f"{job.public_id}{suffix}"
    with target.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    job.path = str(target)
    job.save()
    return job


def import_job_run(job_id: int) -> None:
    """Import the job's file, saving progress after every batch. Safe to call in a thread."""
    job = ImportJob.objects.get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    buffer = io.StringIO()
    write = report_writer(buffer)
    done = {"rows": 0}

    def progress(rows: int) -> None:
        done["rows"] += rows
        ImportJob.objects.filter(pk=job.pk).update(rows_done=done["rows"])

    try:
        summary = import_file(
            Path(job.path), source=job.source, dry_run=job.dry_run, report=write, progress=progress
        )
    except (RowError, OSError, UnicodeDecodeError) as error:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED, error=str(error)[:1000], finished_at=timezone.now()
        )
        return
    finally:
        Path(job.path).unlink(missing_ok=True)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.DONE,
        rows_done=summary.rows,
        outcomes=summary.outcomes,
        report=buffer.getvalue(),
        finished_at=timezone.now(),
    )


def import_job_start(job: ImportJob) -> None:
    def target() -> None:
        try:
            import_job_run(job.pk)
        finally:
            close_old_connections()

    threading.Thread(target=target, name=f"import-{job.public_id}", daemon=True).start()
