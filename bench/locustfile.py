"""Load against gunicorn on loopback: practitioners signing in once, then searching and
opening records with no think time.

Each simulated user signs in as its own benchmark account (password, then a TOTP code
computed from the account's authenticator key, as an app would), gives a reason for ten
records once, then works. Started by bench/national_bench.py; BENCH_DIR holds the accounts,
queries and children, and BENCH_MIX chooses the task mix: full_dob, year_only, record or
mixed (50 % full-date searches, 10 % year-only searches, 40 % record views).
"""

import hashlib
import hmac
import itertools
import json
import os
import random
import re
import struct
import time
from pathlib import Path

from locust import FastHttpUser, task

DIR = Path(os.environ.get("BENCH_DIR", "."))
MIX = os.environ.get("BENCH_MIX", "mixed")
ACCOUNTS = json.loads((DIR / "accounts.json").read_text())
CHILDREN = json.loads((DIR / "children.json").read_text())
QUERIES = {
    "full_dob": json.loads((DIR / "full_dob.json").read_text()),
    "year_only": json.loads((DIR / "year_only.json").read_text()),
}
_next_account = itertools.count(int(os.environ.get("BENCH_ACCOUNT_OFFSET", "0")))
_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def totp(key_hex: str, at: float | None = None) -> str:
    """RFC 6238 with django-otp's defaults: SHA-1, 30-second steps, 6 digits."""
    counter = int((at or time.time()) // 30)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{code % 1_000_000:06d}"


class Practitioner(FastHttpUser):
    def _token(self, path: str) -> str:
        response = self.client.get(path, name="sign-in page")
        found = _TOKEN.search(response.content or b"")
        return found.group(1).decode() if found else ""

    def _post(self, path: str, data: dict, name: str, **kwargs):
        token = self._csrf()
        return self.client.post(
            path,
            data={**data, "csrfmiddlewaretoken": token},
            headers={"Referer": self.host + path},
            name=name,
            **kwargs,
        )

    def _csrf(self) -> str:
        for cookie in self.client.cookiejar:
            if cookie.name.endswith("csrftoken"):
                return cookie.value
        return ""

    def on_start(self) -> None:
        account = ACCOUNTS[next(_next_account) % len(ACCOUNTS)]
        self._token("/account/sign-in/")  # sets the CSRF cookie
        self._post(
            "/account/sign-in/",
            {"username": account["username"], "password": account["password"]},
            "sign in",
        )
        response = self._post("/account/sign-in/code/", {"token": totp(account["key"])}, "code")
        if b"not valid" in (response.content or b""):  # the step turned over: the next code
            self._post(
                "/account/sign-in/code/", {"token": totp(account["key"], time.time() + 30)}, "code"
            )
        self.children = random.sample(CHILDREN, min(10, len(CHILDREN)))
        for public_id in self.children:
            self._post(
                f"/children/{public_id}/",
                {"reason": "coordination"},
                "reason",
                allow_redirects=False,
            )

    def _search(self, shape: str) -> None:
        data = dict(random.choice(QUERIES[shape]), csrfmiddlewaretoken=self._csrf())
        with self.client.post(
            "/",
            data=data,
            headers={"Referer": self.host + "/"},
            name="search",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            body = response.content or b""
            if response.status_code != 200 or b"govuk-error-summary" in body:
                response.failure(f"search answered {response.status_code}")

    def _record(self) -> None:
        public_id = random.choice(self.children)
        with self.client.get(
            f"/children/{public_id}/", name="record", catch_response=True, allow_redirects=False
        ) as response:
            body = response.content or b""
            if response.status_code != 200 or b"Why do you need" in body:
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
