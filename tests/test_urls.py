"""URLs from settings: shown without their credentials, and checked before
anything (git above all) sees them."""

from __future__ import annotations

import pytest

from hybridctl.errors import UsageError
from hybridctl.redaction import forget_held_secrets, redact_text
from hybridctl.text import clean
from hybridctl.urls import git_remote, hold_url_secrets, http_url, shown_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://admin:pass@host:8080/hybridctl/bundle", "http://host:8080/hybridctl/bundle"),
        ("https://ghp_0123456789@github.com/o/r.git", "https://github.com/o/r.git"),
        ("http://promuser:promPw123@prom:9090", "http://prom:9090"),
        (
            "https://h/p?api_key=abc123&x=1&sig=zz9",
            "https://h/p?api_key=[redacted secret]&x=1&sig=[redacted secret]",
        ),
        ("https://bucket.s3/o?X-Amz-Signature=f00d", "https://bucket.s3/o?X-Amz-Signature=[redacted secret]"),
        ("git@github.com:team/store.git", "git@github.com:team/store.git"),
        ("/srv/store.git", "/srv/store.git"),
        ("https://plain.example/x", "https://plain.example/x"),
    ],
)
def test_a_url_is_shown_without_its_credentials(url: str, shown: str) -> None:
    assert shown_url(url) == shown


def test_free_text_quoting_a_url_loses_its_userinfo_and_credential_parameters() -> None:
    said = "fatal: unable to access 'https://bob:s3cret-pw@git.internal/x.git/': 403; see http://h/?token=t0k3n-9"

    shown = redact_text(said)

    assert "s3cret-pw" not in shown and "bob" not in shown and "t0k3n-9" not in shown
    assert "git.internal/x.git" in shown
    assert redact_text(shown) == shown  # redacting twice changes nothing
    assert redact_text("ssh://git@host/r.git and git@host:r.git") == "ssh://git@host/r.git and git@host:r.git"


def test_a_held_url_password_is_hidden_wherever_it_is_quoted_even_decoded() -> None:
    hold_url_secrets("https://svc:p%40ss-w0rd-77@host/x")
    try:
        assert clean("server said: wrong password p@ss-w0rd-77 for svc") == (
            "server said: wrong password [redacted secret] for svc"
        )
        assert "p%40ss-w0rd-77" not in clean("retrying p%40ss-w0rd-77")
    finally:
        forget_held_secrets()


@pytest.mark.parametrize(
    "remote",
    [
        "https://git.internal/platform/store.git",
        "http://127.0.0.1:8080/store.git",
        "ssh://git@git.internal:2222/platform/store.git",
        "git@git.internal:platform/store.git",
        "git.internal:platform/store.git",
        "git://git.internal/store.git",
        "file:///srv/store.git",
        "/srv/store.git",
        "../shared.git",
        "store.git",
    ],
)
def test_the_documented_git_remote_forms_are_accepted(remote: str) -> None:
    assert git_remote(remote, "--store-remote") == remote


@pytest.mark.parametrize(
    ("remote", "why"),
    [
        ("--upload-pack=touch pwned;", "starts with '-'"),
        ("-oProxyCommand=touch pwned", "starts with '-'"),
        ("ext::sh -c touch% pwned", "remote helper"),
        ("fd::17", "remote helper"),
        ("ssh://-oProxyCommand=x/store", "no usable host"),
        ("git@-oProxyCommand:store", "host that starts with '-'"),
        ("ftp://host/store.git", "not a URL git can share"),
        ("https://", "no usable host"),
        ("store.git\n", "spaces or control characters"),
        ("", "empty"),
    ],
)
def test_anything_else_is_refused_before_git_runs(remote: str, why: str) -> None:
    with pytest.raises(UsageError, match=why) as refused:
        git_remote(remote, "HYBRIDCTL_STORE_REMOTE")
    assert refused.value.message.startswith("HYBRIDCTL_STORE_REMOTE: ")
    assert refused.value.hint is not None and "scp-like" in refused.value.hint


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://hooks.internal:99999/x", "port"),
        ("https://hooks.internal:12ab/x", "port"),
        ("hooks.internal/x", "not an http"),
        ("ftp://hooks.internal/x", "not an http"),
        ("http:///x", "not an http"),
    ],
)
def test_an_http_url_that_could_not_be_called_is_refused(url: str, why: str) -> None:
    with pytest.raises(UsageError, match=why):
        http_url(url, "hybridctl.toml: [[notify]] url")


def test_an_http_url_with_a_password_is_refused_without_showing_it() -> None:
    with pytest.raises(UsageError) as refused:
        http_url("https://u:hunter2-pw@hooks.internal:99999/x", "targets")
    forget_held_secrets()
    assert "hunter2-pw" not in refused.value.message
