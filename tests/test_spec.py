import math

import pytest

from shared import spec


def test_every_model_has_variants_and_two_clients_httpx_first() -> None:
    for model in spec.MODELS:
        assert spec.VARIANTS[model]
        assert spec.CLIENTS[model][0] == "httpx"
        assert len(spec.CLIENTS[model]) == 2


@pytest.mark.parametrize(
    ("concurrency", "timeout", "fragment"),
    [
        (0, 1.0, "concurrency must be >= 1"),
        (-5, 1.0, "concurrency must be >= 1"),
        (2.5, 1.0, "concurrency must be an integer"),
        (True, 1.0, "concurrency must be an integer"),
        (1, 0, "timeout must be > 0"),
        (1, -1.0, "timeout must be > 0"),
        (1, math.nan, "timeout must be > 0"),
        (1, "3", "timeout must be a number"),
    ],
)
def test_bad_fetch_args_raise_value_error(
    concurrency: object, timeout: object, fragment: str
) -> None:
    with pytest.raises(ValueError, match=fragment):
        spec.check_fetch_args("thread", "httpx", concurrency, timeout)  # type: ignore[arg-type]


def test_unknown_names_are_value_errors_that_list_the_choices() -> None:
    with pytest.raises(ValueError, match="choose one of gevent, asyncio, thread"):
        spec.check_model("trio")
    with pytest.raises(ValueError, match="choose one of httpx, urllib3"):
        spec.check_client("thread", "aiohttp")
    with pytest.raises(ValueError, match="unknown variant"):
        spec.check_variant("thread", "uvloop")
    assert spec.check_variant("gevent", None) == "patched"
    with pytest.raises(ValueError, match="scale must be > 0"):
        spec.check_scale(0)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://127.0.0.1:8080/delay/0", True),
        ("https://example.org/", True),
        ("ftp://127.0.0.1/x", False),
        ("127.0.0.1:8080/x", False),
        ("http://", False),
        ("http://127.0.0.1:99999/", False),
        ("http://127.0.0.1:port/", False),
        ("http://exa mple.org/", False),
        ("", False),
        (None, False),
    ],
)
def test_is_valid_url(url: object, ok: bool) -> None:
    assert spec.is_valid_url(url) is ok


def test_fetch_result_round_trips_through_a_dict() -> None:
    r = spec.FetchResult("http://127.0.0.1/", 503, 11, 0.01, "http")
    assert spec.FetchResult.from_dict(r.to_dict()) == r


@pytest.mark.parametrize("max_bytes", [-1, 1.5, True, None])
def test_bad_max_bytes_is_a_value_error(max_bytes: object) -> None:
    with pytest.raises(ValueError, match="max_bytes must be an integer >= 0"):
        spec.check_fetch_args("thread", "httpx", 1, 1.0, max_bytes)  # type: ignore[arg-type]


def test_urls_must_be_a_list_or_tuple_of_strings() -> None:
    assert spec.check_urls(("http://a/", "not a url")) == ["http://a/", "not a url"]
    assert spec.check_urls([]) == []
    with pytest.raises(ValueError, match="urls must be a list of strings, got str"):
        spec.check_urls("http://a/")
    with pytest.raises(ValueError, match=r"urls\[1\] must be a string, got bytes"):
        spec.check_urls(["http://a/", b"http://b/"])


@pytest.mark.parametrize(
    "url",
    ["http://h/a b", "http://h/\ta", "http://h/a\n", "http://h/\u00a0", "http://h/\u2003x"],
)
def test_a_url_with_any_white_space_is_invalid(url: str) -> None:
    assert not spec.is_valid_url(url)
    assert spec.is_valid_url(url.replace(url[len("http://h/") :], "ok"))


def test_pairs_cover_every_model_and_client_plus_uvloop() -> None:
    got = {(p.model, p.client, p.kind.loop) for p in spec.PAIRS}
    want = {(m, c, spec.kind_for(m).loop) for m in spec.MODELS for c in spec.CLIENTS[m]}
    want |= {("asyncio", c, "uvloop") for c in spec.CLIENTS["asyncio"]}
    assert got == want
    assert len(spec.PAIRS) == len(want) == 8
    assert len({p.id for p in spec.PAIRS}) == 8
    uv = next(p for p in spec.PAIRS if p.kind.loop == "uvloop" and p.client == "aiohttp")
    assert (uv.id, uv.variant, uv.worker_options) == (
        "asyncio-uvloop-aiohttp",
        "uvloop",
        {"loop": "uvloop"},
    )


def test_httpx_runs_after_the_models_own_client() -> None:
    # the httpx row is compared with the other client of the same model, measured first
    ids = [p.id for p in spec.PAIRS]
    for p in spec.PAIRS:
        if p.client == "httpx":
            own = next(q for q in spec.PAIRS if q.label == p.label and q.client != "httpx")
            assert ids.index(own.id) < ids.index(p.id)
