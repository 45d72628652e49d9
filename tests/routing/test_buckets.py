"""The bucketing rules, checked against implementations written here from
their definitions: sha256 through hexdigest, and murmur3_x86_32 in pure Python
(the reference algorithm, as Unleash and every other murmur3 port compute it)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from hybridctl.routing import Router
from hybridctl.routing.buckets import UnknownHash, bucket
from tests.helpers import CONFIGS

USERS = ["alice", "", "u-42", "usér-ü-名前", "🙂" * 9, "x" * 1001, *(f"user-{n}" for n in range(3000))]


def murmur3_x86_32(data: bytes, seed: int = 0) -> int:
    c1, c2, mask = 0xCC9E2D51, 0x1B873593, 0xFFFFFFFF
    h = seed
    whole = len(data) // 4 * 4
    for i in range(0, whole, 4):
        k = int.from_bytes(data[i : i + 4], "little")
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        k = (k * c2) & mask
        h ^= k
        h = ((h << 13) | (h >> 19)) & mask
        h = (h * 5 + 0xE6546B64) & mask
    tail = data[whole:]
    k = 0
    for i, byte in enumerate(tail):
        k |= byte << (8 * i)
    if tail:
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        k = (k * c2) & mask
        h ^= k
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & mask
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & mask
    h ^= h >> 16
    return h


def test_murmur3_reference_matches_published_vectors() -> None:
    # SMHasher's verification values for murmur3_x86_32
    assert murmur3_x86_32(b"", 0) == 0
    assert murmur3_x86_32(b"", 1) == 0x514E28B7
    assert murmur3_x86_32(b"hello", 0) == 0x248BFA47
    assert murmur3_x86_32(b"The quick brown fox jumps over the lazy dog", 0) == 0x2E4FF723


@pytest.mark.parametrize("rollout", ["20261201-0a1b2c3d", "r1"])
def test_both_hashes_follow_their_documented_rule(rollout: str) -> None:
    for user in USERS:
        key = f"{rollout}:{user}".encode()
        assert bucket(rollout, user, "sha256") == int(hashlib.sha256(key).hexdigest()[:8], 16) % 100 + 1
        assert bucket(rollout, user, "murmur3") == murmur3_x86_32(key) % 100 + 1


def test_murmur3_splits_evenly_and_independently_of_the_rollout() -> None:
    users = [f"user-{n}" for n in range(20000)]
    first = [bucket("r1", u, "murmur3") <= 10 for u in users]
    second = [bucket("r2", u, "murmur3") <= 10 for u in users]

    assert abs(sum(first) / len(users) - 0.10) < 0.01
    both = sum(a and b for a, b in zip(first, second, strict=True))
    assert abs(both / len(users) - 0.01) < 0.005  # not the same 10% every rollout


def bundle(hash_name: str | None) -> dict[str, Any]:
    config = json.loads((CONFIGS / "model-config.json").read_text())
    side = {"revision": 1, "digest": "sha256:" + "0" * 64, "modes": None, "modelConfig": config}
    made: dict[str, Any] = {"rollout_id": "r9", "weight": 30, "stable": side}
    made["candidate"] = {**side, "revision": 2}
    if hash_name is not None:
        made["bucketing"] = {"hash": hash_name}
    return made


def test_the_router_splits_by_the_hash_its_bundle_names() -> None:
    for hash_name in ("sha256", "murmur3"):
        router = Router(bundle(hash_name))
        for user in USERS[:500]:
            expected = "candidate" if bucket("r9", user, hash_name) <= 30 else "stable"
            assert router.variant(user) == expected
    legacy = Router(bundle(None))  # a bundle from before the hash was named
    assert all(legacy.variant(u) == Router(bundle("sha256")).variant(u) for u in USERS[:200])
    with pytest.raises(UnknownHash, match=r"hash 'xxh3'.*upgrade hybridctl"):
        Router(bundle("xxh3"))
