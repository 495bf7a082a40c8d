"""The index team uploads a file; it is imported in the background with visible progress."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Role
from feeds.importing import COLUMNS
from feeds.jobs import import_job_run
from feeds.models import ImportJob, ImportStatus
from records.models import Child
from tests.factories import make_user, signed_in_client
from tests.feeds.test_import import row


def csv_bytes(rows) -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for item in rows:
        writer.writerow({column: item.get(column, "") for column in COLUMNS})
    return buffer.getvalue().encode()


@pytest.mark.django_db
def test_an_upload_becomes_a_job_whose_progress_and_report_can_be_seen(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.UPLOAD_DIR = str(tmp_path)
    client = signed_in_client(make_user(roles=(Role.PRACTITIONER, Role.INDEX_TEAM)))
    upload = SimpleUploadedFile(
        "feed.csv", csv_bytes([row(), row(source_id="BAD", gender="Q")]), content_type="text/csv"
    )
    response = client.post(reverse("feeds:upload"), {"file": upload, "source": "EDU"})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    page = client.get(reverse("feeds:job", args=[job.public_id])).content.decode()
    assert 'http-equiv="refresh"' in page and "Waiting to start" in page

    import_job_run(job.pk)  # what the background thread does

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.outcomes == {"created": 1, "rejected": 1}
    page = client.get(reverse("feeds:job", args=[job.public_id])).content.decode()
    assert "http-equiv" not in page and "Created" in page
    report = client.get(reverse("feeds:job_report", args=[job.public_id])).content.decode()
    assert "gender must be one of" in report
    assert Child.objects.count() == 1
    assert list(tmp_path.iterdir()) == []  # the uploaded file is deleted after the import


@pytest.mark.django_db
def test_uploads_are_checked_and_only_for_the_index_team(settings, tmp_path):
    settings.UPLOAD_DIR = str(tmp_path)
    client = signed_in_client(make_user(roles=(Role.PRACTITIONER, Role.INDEX_TEAM)))
    bad = SimpleUploadedFile("feed.xlsx", b"x")
    assert (
        "must be a .csv or .jsonl"
        in client.post(reverse("feeds:upload"), {"file": bad, "source": "EDU"}).content.decode()
    )
    assert (
        "Choose the file"
        in client.post(reverse("feeds:upload"), {"source": "EDU"}).content.decode()
    )
    assert signed_in_client(make_user()).get(reverse("feeds:upload")).status_code == 403
