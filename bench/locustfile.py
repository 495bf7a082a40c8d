"""Load against gunicorn on loopback: practitioners searching and opening records.

Each simulated user signs in once (a session made by the benchmark, as after password and
second factor), then searches and opens records with no think time. Started by
bench/national_bench.py; BENCH_DIR holds the sessions, queries and children to use, and
BENCH_MIX chooses the task mix: full_dob, year_only, record or mixed.
"""

import itertools
import json
import os
import random
import secrets
from pathlib import Path

from locust import FastHttpUser, task

DIR = Path(os.environ.get("BENCH_DIR", "."))
MIX = os.environ.get("BENCH_MIX", "mixed")
SESSIONS = json.loads((DIR / "sessions.json").read_text())
CHILDREN = json.loads((DIR / "children.json").read_text())
QUERIES = {
    "full_dob": json.loads((DIR / "full_dob.json").read_text()),
    "year_only": json.loads((DIR / "year_only.json").read_text()),
}
_session = itertools.count()


class Practitioner(FastHttpUser):
    def on_start(self) -> None:
        self.session = SESSIONS[next(_session) % len(SESSIONS)]
        self.csrf = secrets.token_hex(16)  # an unmasked 32-character secret, as Django allows
        self.headers = {
            "Cookie": f"sessionid={self.session}; csrftoken={self.csrf}",
            "Referer": self.host + "/",
        }
        self.children = random.sample(CHILDREN, min(10, len(CHILDREN)))
        for public_id in self.children:
            self.client.post(
                f"/children/{public_id}/",
                data={"reason": "coordination", "csrfmiddlewaretoken": self.csrf},
                headers=self.headers,
                name="grant",
                allow_redirects=False,
            )

    def _search(self, shape: str) -> None:
        data = dict(random.choice(QUERIES[shape]), csrfmiddlewaretoken=self.csrf)
        with self.client.post(
            "/", data=data, headers=self.headers, name="search", catch_response=True
        ) as response:
            if response.status_code != 200 or b"govuk-error-summary" in (response.content or b""):
                response.failure(f"search answered {response.status_code}")

    def _record(self) -> None:
        public_id = random.choice(self.children)
        with self.client.get(
            f"/children/{public_id}/", headers=self.headers, name="record", catch_response=True
        ) as response:
            if response.status_code != 200 or b"Why do you need" in (response.content or b""):
                response.failure(f"record answered {response.status_code}")

    @task
    def work(self) -> None:
        if MIX == "full_dob":
            self._search("full_dob")
        elif MIX == "year_only":
            self._search("year_only")
        elif MIX == "record":
            self._record()
        else:
            roll = random.random()
            if roll < 0.5:
                self._search("full_dob")
            elif roll < 0.6:
                self._search("year_only")
            else:
                self._record()
