"""Masking of secret values: which keys and embedded parts are masked, and in time linear in the value's length."""

import pytest

from migrator.secrets import MASK, mask_configuration, mask_text, secret_values

CONFIGURATION = {
    "client_kwargs": {"headers": {"Authorization": "Bearer LEAK-BEARER"}},
    "service_account_json": '{"type": "service_account", "private_key": "LEAK-JSON-KEY"}',
    "db_pw": "LEAK-PW",
    "alert_url": "https://hooks.slack.com/services/T000/B000/LEAK-WEBHOOK",
    "notes": "call it with Bearer LEAK-NOTE-TOKEN",
    "uri": "mysql://user:LEAK-URL-PASSWORD@db.internal/zenml",
    "connection": "AccountName=acme;AccountKey=LEAK-ACCOUNT-KEY;EndpointSuffix=core.windows.net",
    "region": "eu-west-1",
}


def test_every_secret_form_is_masked() -> None:
    masked = repr(mask_configuration(CONFIGURATION))
    assert "LEAK" not in masked
    assert "eu-west-1" in masked
    assert "AccountName=acme" in masked
    assert "https://hooks.slack.com/services/" + MASK in masked


def test_secret_values_finds_what_is_masked() -> None:
    found = secret_values(CONFIGURATION)
    for value in ("Bearer LEAK-BEARER", "LEAK-JSON-KEY", "LEAK-PW", "LEAK-NOTE-TOKEN", "LEAK-URL-PASSWORD", "LEAK-ACCOUNT-KEY"):
        assert any(value in item for item in found), value


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", ["A" * 2_000_000, "key" * 700_000, "a://" + "x" * 2_000_000, "x=" * 1_000_000, '"' + "key" * 700_000])
def test_long_values_do_not_hang(text: str) -> None:
    """Before the patterns were bounded, a 100 KB value took 10 s and the time grew with the square of its length."""
    assert mask_text(text) == text
