"""The record every change leaves in the store: one commit, structured metadata.

The metadata travels as the last line of the commit message
(``hybridctl-record: {json}``), so ``git log`` shows it and nothing else is
needed to read history back.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, NamedTuple

from hybridctl.redaction import scrubbed
from hybridctl.times import format_utc, parse_utc

RECORD_PREFIX = "hybridctl-record: "


def file_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def digest_files(files: dict[str, bytes]) -> tuple[dict[str, str], str]:
    """Per-file sha256 digests and one digest of the whole set (names included)."""
    per_file = {name: file_digest(files[name]) for name in sorted(files)}
    combined = "".join(f"{name}\0{digest}\n" for name, digest in per_file.items())
    return per_file, file_digest(combined.encode())


class Record(NamedTuple):
    revision: int
    kind: str  # backup, restore; rollout transitions add their own kinds
    time: datetime
    actor: str
    reason: str
    files: dict[str, str]  # config file name -> sha256 digest
    digest: str  # digest of the config set
    validation: dict[str, Any] | None = None  # {"ok", "errors", "warnings"}
    details: dict[str, Any] = {}  # noqa: RUF012 - never mutated; kind-specific facts
    commit: str = ""  # git commit id; not part of the serialized record
    checked_by: str | None = None  # the release whose validation the record holds

    @property
    def short_digest(self) -> str:
        return self.digest.removeprefix("sha256:")[:12]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "revision": self.revision,
            "kind": self.kind,
            "time": format_utc(self.time),
            "actor": self.actor,
            "reason": self.reason,
            "files": self.files,
            "digest": self.digest,
            "validation": self.validation,
            "checked_by": self.checked_by,
            "details": self.details,
        }

    def to_json(self) -> str:
        """The record as stored. Records are kept for ever and shared: no secret,
        URL credential or non-JSON number (NaN, Infinity) may reach one,
        whatever a caller put in."""
        return json.dumps(scrubbed(self.to_dict()), sort_keys=True, allow_nan=False)

    def message(self) -> str:
        title = f"{self.kind} r{self.revision}: {self.reason}".splitlines()[0][:200]
        return f"{scrubbed(title)}\n\n{RECORD_PREFIX}{self.to_json()}\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any], commit: str) -> Record:
        return cls(
            revision=data["revision"],
            kind=data["kind"],
            time=parse_utc(data["time"]),
            actor=data["actor"],
            reason=data["reason"],
            files=data["files"],
            digest=data["digest"],
            validation=data.get("validation"),
            details=data.get("details") or {},
            commit=commit,
            checked_by=data.get("checked_by"),
        )

    @classmethod
    def from_message(cls, message: str, commit: str) -> Record | None:
        for line in reversed(message.strip().splitlines()):
            if line.startswith(RECORD_PREFIX):
                return cls.from_dict(json.loads(line[len(RECORD_PREFIX) :]), commit)
        return None
