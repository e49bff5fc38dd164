"""Repository URLs and tenant keys: parsing, canonical forms, refusals and ownership."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kosha.domain.errors import InvalidInput, InvalidRepoUrl, InvalidTenantKey
from kosha.domain.tenancy import LOCAL_TENANT, RepoRef, TenantKey, parse_repo_url, parse_tenant_key

# --- parse_repo_url: accepted forms --------------------------------------------------------


@pytest.mark.parametrize("raw", [
    "https://gitlab.example.com/emea/payments",
    "https://gitlab.example.com/emea/payments.git",
    "https://gitlab.example.com/emea/payments/",
    "https://GitLab.Example.COM/EMEA/Payments.GIT",
    "ssh://git@gitlab.example.com/emea/payments.git",
    "ssh://git@gitlab.example.com:2222/emea/payments.git",
    "git@gitlab.example.com:emea/payments.git",
    "git@GITLAB.example.com:emea/payments",
    "https://gitlab.example.com:443/emea/payments",
    "  https://gitlab.example.com/emea/payments  ",
])
def test_every_spelling_of_one_repo_gives_the_same_ref(raw):
    ref = parse_repo_url(raw)
    assert ref == RepoRef(domain="gitlab.example.com", namespace=("emea",), project="payments")
    assert ref.url == "https://gitlab.example.com/emea/payments"
    assert ref.git_url == "https://gitlab.example.com/emea/payments.git"
    assert str(ref) == ref.url


def test_nested_gitlab_subgroups_keep_the_whole_namespace():
    ref = parse_repo_url("https://gitlab.com/emea/payments/core/ledger-api.git")
    assert ref.namespace == ("emea", "payments", "core")
    assert ref.project == "ledger-api"
    assert ref.group_path == "emea/payments/core"
    assert ref.path == "emea/payments/core/ledger-api"


def test_http_scheme_is_kept_and_non_default_port_stays_in_domain():
    assert parse_repo_url("http://git.local/a/b").url == "http://git.local/a/b"
    ref = parse_repo_url("https://git.local:8443/a/b")
    assert ref.domain == "git.local:8443"
    assert ref.url == "https://git.local:8443/a/b"


def test_default_ports_are_dropped_so_identity_is_unique():
    assert parse_repo_url("https://h.com:443/a/b") == parse_repo_url("https://h.com/a/b")
    assert parse_repo_url("http://h.com:80/a/b") == parse_repo_url("http://h.com/a/b")
    assert parse_repo_url("http://h.com:443/a/b").domain == "h.com:443"


def test_ssh_port_never_reaches_the_web_identity():
    assert parse_repo_url("ssh://git@h.com:7999/a/b.git").domain == "h.com"


# --- parse_repo_url: refusals --------------------------------------------------------------

REFUSED_URLS = [
    "file:///etc/passwd", "file://host/a/b", "ext::sh -c touch% /tmp/pwned", "ext::sh",
    "git://h.com/a/b", "h.com/a/b",
    # argv injection: git would read these as options
    "--upload-pack=evil", "-c core.sshCommand=evil", "-oProxyCommand=evil@h.com:a/b",
    "-git@h.com:a/b.git",
    # credentials, queries, fragments
    "https://user:tok@h.com/a/b", "https://tok@h.com/a/b", "ssh://git:pw@h.com/a/b",
    "https://h.com/a/b?private_token=x", "https://h.com/a/b#frag",
    # path tricks and escapes
    "https://h.com/a/../b", "https://h.com/./a/b", "git@h.com:a/../b", "https://h.com/a%2F..%2Fb/c",
    "https://h.com/a/b%00", "https://h.com\\a\\b", "https://h.com//a//b", "https://h.com/-a/b",
    "https://h.com/a/-b", "https://h.com/a/b.lock", "https://h.com/~user/b",
    # whitespace, control characters, non-ASCII look-alikes
    "https://h.com/a b/c", "https://h.com/a/b\n", "https://h.com/a/b\r\nX-Evil: 1",
    "\thttps://h.com/a/b", "https://h.com/a/b\x00", "https://h.com/a/b\x7f",
    "https://g\u0456thub.com/a/b", "https://\u0430pple.com/a/b", "https://h.com/a/b\u00a0",
    # shape: too short, empty, too long, too deep; bad hosts and ports
    "https://h.com/a", "https://h.com/", "git@h.com:a", "", "   ",
    "https://h.com/" + "a/" * 1100 + "b", "https://h.com/" + "/".join(["g"] * 21) + "/p",
    "https://-h.com/a/b", "https://h.com:0/a/b", "https://h.com:99999/a/b", "https://[::1]/a/b",
]


@pytest.mark.parametrize("raw", REFUSED_URLS)
def test_unsafe_or_malformed_urls_are_refused(raw):
    with pytest.raises(InvalidRepoUrl):
        parse_repo_url(raw)


@pytest.mark.parametrize("raw", [None, 42, b"https://h.com/a/b", ["https://h.com/a/b"]])
def test_non_strings_are_refused(raw):
    with pytest.raises(InvalidRepoUrl):
        parse_repo_url(raw)


def test_refusals_are_invalid_input_with_a_stable_code():
    with pytest.raises(InvalidInput) as info:
        parse_repo_url("file:///etc/passwd")
    assert info.value.code == "invalid_repo_url"
    assert info.value.status == 400
    assert issubclass(InvalidTenantKey, InvalidInput)


# --- parse_tenant_key ----------------------------------------------------------------------


@pytest.mark.parametrize("raw, domain, path, wildcard", [
    ("gitlab.com//emea/payments", "gitlab.com", ("emea", "payments"), False),
    ("GitLab.COM//EMEA/Payments", "gitlab.com", ("emea", "payments"), False),
    ("gitlab.com//emea/payments/core", "gitlab.com", ("emea", "payments", "core"), False),
    ("gitlab.com//emea/*", "gitlab.com", ("emea",), True),
    ("git.local:8443//g/t", "git.local:8443", ("g", "t"), False),
    ("gitlab.com//emea", "gitlab.com", ("emea",), False),
])
def test_domain_keys_parse_to_their_parts(raw, domain, path, wildcard):
    key = parse_tenant_key(raw)
    assert (key.domain, key.path, key.wildcard, key.is_named) == (domain, path, wildcard, False)
    assert str(key) == raw.lower()
    assert parse_tenant_key(str(key)) == key


@pytest.mark.parametrize("raw", ["local", "LOCAL", "account:1234", "team-x.prod"])
def test_named_tenants_parse(raw):
    key = parse_tenant_key(raw)
    assert key.is_named and key.domain is None and key.path == ()
    assert str(key) == raw.lower()
    assert parse_tenant_key(str(key)) == key


def test_local_constant_is_the_parsed_local_key():
    assert parse_tenant_key("local") == LOCAL_TENANT


@pytest.mark.parametrize("raw", [
    "", "   ", "gitlab.com//", "gitlab.com//*", "gitlab.com//emea/*/x", "gitlab.com//*/x",
    "gitlab.com//emea/**", "gitlab.com//emea/a*", "gitlab.com//emea/", "gitlab.com///emea",
    "gitlab.com//emea//t", "//emea/t", "gitlab.com//../t", "gitlab.com//emea/..",
    "gitlab.com//emea/.", "gitlab.com//-x", "host:0//g", "host:65536//g", "host:abc//g",
    "host:+80//g", "host:1:2//g", "h_ost//g", "gitlab.com//emea\\x", "gitlab.com//e%2e/t",
    "gitlab.com//emea/t x", "local\n", "local\x00", "gitlab.com//emea/t\u00a0",
    "loc\u0430l", "-local", ".local", "account:", ":x", "a:b:c", "local/x", "loc@l",
    "a" * 600, "gitlab.com//" + "/".join(["g"] * 21),
])
def test_malformed_tenant_keys_are_refused(raw):
    with pytest.raises(InvalidTenantKey):
        parse_tenant_key(raw)


@pytest.mark.parametrize("raw", [None, 7, b"local"])
def test_non_string_tenant_keys_are_refused(raw):
    with pytest.raises(InvalidTenantKey):
        parse_tenant_key(raw)


# --- ownership -----------------------------------------------------------------------------

K, R = parse_tenant_key, parse_repo_url


@pytest.mark.parametrize("key, url, covered", [
    ("gitlab.com//emea/payments", "https://gitlab.com/emea/payments/api", True),
    ("gitlab.com//emea/payments", "https://gitlab.com/emea/payments/core/api", True),
    ("gitlab.com//emea/payments", "https://gitlab.com/emea/paymentsx/api", False),
    ("gitlab.com//emea/payments", "https://gitlab.com/emea/payments", False),
    ("gitlab.com//emea/payments", "https://other.com/emea/payments/api", False),
    ("gitlab.com//emea/*", "https://gitlab.com/emea/payments/api", True),
    ("gitlab.com//emea/*", "https://gitlab.com/emea/payments/x/api", True),
    ("gitlab.com//emea/*", "https://gitlab.com/emea/api", False),
    ("gitlab.com//emea/*", "https://gitlab.com/emeax/payments/api", False),
    ("gitlab.com:8443//g/t", "https://gitlab.com:8443/g/t/api", True),
    ("gitlab.com:8443//g/t", "https://gitlab.com/g/t/api", False),
    ("local", "https://gitlab.com/emea/payments/api", False),
    ("account:1", "https://gitlab.com/emea/payments/api", False),
])
def test_covers(key, url, covered):
    assert K(key).covers(R(url)) is covered


def test_owner_of_maps_a_wildcard_to_the_team_below_the_region():
    wild = K("gitlab.com//emea/*")
    assert wild.owner_of(R("https://gitlab.com/emea/payments/core/api")) == K(
        "gitlab.com//emea/payments")
    plain = K("gitlab.com//emea/payments")
    assert plain.owner_of(R("https://gitlab.com/emea/payments/core/api")) is plain


@pytest.mark.parametrize("key, url", [
    ("gitlab.com//emea/*", "https://gitlab.com/apac/payments/api"),
    ("gitlab.com//emea/*", "https://gitlab.com/emea/api"),
    ("local", "https://gitlab.com/emea/payments/api"),
])
def test_owner_of_refuses_repos_outside_the_key(key, url):
    with pytest.raises(InvalidTenantKey):
        K(key).owner_of(R(url))


@pytest.mark.parametrize("other, read", [
    ("gitlab.com//emea/*", True),
    ("gitlab.com//emea/payments", True),
    ("gitlab.com//emea/payments/core", True),
    ("gitlab.com//emea", False),
    ("gitlab.com//emeax/payments", False),
    ("gitlab.com//apac/payments", False),
    ("other.com//emea/payments", False),
    ("local", False),
])
def test_wildcard_reads_every_team_tenant_of_its_region(other, read):
    assert K("gitlab.com//emea/*").covers_tenant(K(other)) is read


def test_plain_and_named_keys_read_only_themselves():
    plain = K("gitlab.com//emea/payments")
    assert plain.covers_tenant(K("GITLAB.COM//emea/payments"))
    assert not plain.covers_tenant(K("gitlab.com//emea/payments/core"))
    assert not plain.covers_tenant(K("gitlab.com//emea/*"))
    assert K("local").covers_tenant(LOCAL_TENANT)
    assert not K("local").covers_tenant(K("account:1"))


def test_storage_prefix_examples():
    assert K("local").storage_prefix == "local"
    assert K("gitlab.com//emea/*").storage_prefix == "gitlab.com%2F%2Femea%2F%2A"
    assert K("h:8443//g/t").storage_prefix == "h%3A8443%2F%2Fg%2Ft"


# --- properties ----------------------------------------------------------------------------

_LABEL = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?\Z")
_HOSTS = st.lists(_LABEL, min_size=1, max_size=3).map(".".join)
_SEG = st.from_regex(r"\A[a-z0-9_][a-z0-9_.-]{0,11}\Z").filter(
    lambda s: not s.endswith((".lock", ".atom", ".git")))
_SMALL_SEG = st.sampled_from(["a", "b", "ab", "a.b"])
_PORTS = st.none() | st.integers(1, 65535).filter(lambda p: p not in (80, 443))


def _shout(text: str, flags: list[bool]) -> str:
    padded = flags + [False] * len(text)
    return "".join(c.upper() if f else c for c, f in zip(text, padded[:len(text)], strict=True))


@given(_HOSTS, st.lists(_SEG, min_size=2, max_size=6), _PORTS,
       st.lists(st.booleans(), max_size=80))
def test_urls_round_trip_and_ignore_case(host, segs, port, flags):
    domain = f"{host}:{port}" if port else host
    ref = parse_repo_url(_shout(f"https://{domain}/{'/'.join(segs)}.git", flags))
    assert ref == RepoRef(domain=domain, namespace=tuple(segs[:-1]), project=segs[-1])
    assert parse_repo_url(ref.url) == ref
    assert parse_repo_url(ref.git_url) == ref


@given(_HOSTS, st.lists(_SEG, min_size=2, max_size=6), st.integers(1, 65535))
def test_https_ssh_and_scp_forms_agree(host, segs, ssh_port):
    path = "/".join(segs)
    https = parse_repo_url(f"https://{host}/{path}")
    assert parse_repo_url(f"git@{host}:{path}.git") == https
    assert parse_repo_url(f"ssh://git@{host}/{path}.git") == https
    assert parse_repo_url(f"ssh://git@{host}:{ssh_port}/{path}.git") == https


_DOMAIN_KEYS = st.builds(
    TenantKey, domain=st.builds(lambda h, p: f"{h}:{p}" if p else h, _HOSTS, _PORTS),
    path=st.lists(_SEG, min_size=1, max_size=4).map(tuple), wildcard=st.booleans())
_NAMED_KEYS = st.from_regex(r"\A[a-z0-9][a-z0-9_.-]{0,10}(:[a-z0-9][a-z0-9_.-]{0,10})?\Z").map(
    lambda n: TenantKey(domain=None, path=(), name=n))
_KEYS = _DOMAIN_KEYS | _NAMED_KEYS


@given(_KEYS, st.lists(st.booleans(), max_size=80))
def test_tenant_keys_round_trip(key, flags):
    assert parse_tenant_key(str(key)) == key
    assert parse_tenant_key(_shout(str(key), flags)) == key
    assert str(parse_tenant_key(str(key))) == str(key)


@given(_KEYS, _KEYS)
def test_storage_prefix_is_one_safe_component_and_injective(a, b):
    for key in (a, b):
        prefix = key.storage_prefix
        assert "/" not in prefix and "\\" not in prefix
        assert prefix not in ("", ".", "..") and not prefix.startswith(".")
        assert unquote(prefix) == str(key)
    assert (a.storage_prefix == b.storage_prefix) == (a == b)


@given(st.sampled_from(["h.com", "g.com"]), st.lists(_SMALL_SEG, min_size=1, max_size=3),
       st.booleans(), st.sampled_from(["h.com", "g.com"]),
       st.lists(_SMALL_SEG, min_size=1, max_size=4), _SMALL_SEG)
def test_covers_is_a_segment_prefix_test(kdom, kpath, wild, rdom, namespace, project):
    key = TenantKey(domain=kdom, path=tuple(kpath), wildcard=wild)
    repo = RepoRef(domain=rdom, namespace=tuple(namespace), project=project)
    # an independent oracle: string prefix on '/'-terminated group paths
    under = (repo.group_path + "/").startswith(key.root_group_path.removesuffix("/*") + "/")
    deep_enough = len(namespace) > len(kpath) if wild else True
    assert key.covers(repo) is (kdom == rdom and under and deep_enough)
    if key.covers(repo):
        owner = key.owner_of(repo)
        assert owner.covers(repo) and not owner.wildcard
        assert key.covers_tenant(owner)
