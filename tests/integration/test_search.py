"""The search pipeline on the real embedded stores: recall, fusion, floor, expansion, scope."""

from __future__ import annotations

import pytest

from kosha.domain.models import SearchFilters, StoreScope, file_node_id
from kosha.domain.tenancy import parse_repo_url, parse_tenant_key
from kosha.ingest.pipeline import IndexRequest
from kosha.search.navigation import CodeNavigator
from tests.integration.samples import FILES

TEAM_A = parse_tenant_key("git.example.com//emea/team-a")
TEAM_B = parse_tenant_key("git.example.com//emea/team-b")
EMEA = parse_tenant_key("git.example.com//emea/*")
APAC = parse_tenant_key("git.example.com//apac/*")

BILLING = {
    "billing/invoice.py": '''"""Invoices."""


def compute_invoice_total(lines, tax_rate):
    """Sum the price of every invoice line and add the sales tax."""
    subtotal = sum(line.price * line.quantity for line in lines)
    return round(subtotal * (1 + tax_rate), 2)


def format_currency(amount):
    return f"{amount:,.2f} EUR"
''',
    "billing/mailer.py": '''import smtplib


def send_reminder_email(address, invoice):
    """Email a payment reminder for an overdue invoice."""
    with smtplib.SMTP("localhost") as smtp:
        smtp.sendmail("billing@example.com", [address], str(invoice))
''',
}

CALLS = {
    "graph/calls.py": '''def leaf():
    return 1


def middle():
    return leaf() + leaf()


def top_one():
    return middle()


def top_two():
    return middle() * 2


class Worker:
    def run(self):
        return self.step()

    def step(self):
        return middle()
''',
}


def index_as(stack, repo, tenant, url: str):  # noqa: ANN001, ANN201
    ref = parse_repo_url(url)
    req = IndexRequest(tenant=tenant, repo_url=ref.url, source=str(repo.path), local=True,
                       group_path=ref.group_path)
    return stack.indexer.index(req)


def team_repo(make_repo, name: str, marker: str):  # noqa: ANN001, ANN201
    return make_repo(name, {"svc/payments.py": f'''def handle_payment(amount):
    """Charge the card for {marker} customers."""
    return charge_card_{marker}(amount)


def charge_card_{marker}(amount):
    return {{"status": "{marker}", "amount": amount}}
'''})


@pytest.mark.slow
def test_plain_english_finds_the_function_across_repos_of_a_tenant(model_stack, make_repo) -> None:  # noqa: ANN001
    index_as(model_stack, make_repo("svc", FILES), TEAM_A, "https://git.example.com/emea/team-a/svc")
    index_as(model_stack, make_repo("billing", BILLING), TEAM_A,
             "https://git.example.com/emea/team-a/billing")
    hit = model_stack.search("add up the invoice lines including tax", k=3, tenant=TEAM_A).hits[0]
    assert (hit.repo_url, hit.rel_path, hit.symbol) == (
        "https://git.example.com/emea/team-a/billing", "billing/invoice.py",
        "compute_invoice_total")
    assert (hit.start_line, hit.end_line) == (4, 7)
    assert hit.link == ("https://git.example.com/emea/team-a/billing/-/blob/"
                        f"{hit.commit}/billing/invoice.py#L4-7")
    hit = model_stack.search("check the signature of a json web token", k=3,
                             tenant=TEAM_A).hits[0]
    assert (hit.repo_url, hit.symbol) == ("https://git.example.com/emea/team-a/svc",
                                          "validate_jwt")
    hit = model_stack.search("remind a customer by email that an invoice is overdue", k=3,
                             tenant=TEAM_A).hits[0]
    assert hit.symbol == "send_reminder_email"


@pytest.mark.slow
@pytest.mark.parametrize("query", ["purple elephants dancing on the moon",
                                   "zxqv wibble frotz plugh", "chocolate cake recipe with eggs"])
def test_nonsense_returns_nothing_with_a_reason(model_stack, make_repo, query: str) -> None:  # noqa: ANN001
    model_stack.index(make_repo("svc", FILES))
    model_stack.index(make_repo("billing", BILLING))
    response = model_stack.search(query, k=5)
    assert response.hits == []
    assert response.reason and response.reason.startswith("no confident match")


def test_identifier_query_puts_its_definition_first(stack, make_repo) -> None:  # noqa: ANN001
    usages = "\n".join(f"def use_{i}(t):\n    return validate_jwt(validate_jwt(t))\n"
                       for i in range(30))
    stack.index(make_repo("svc", {**FILES, "src/uses.py": usages}))
    for query, path, symbol in [("validate_jwt", "src/auth/jwt.py", "validate_jwt"),
                                ("SplitRepositoryURL", "go/urls/urls.go", "SplitRepositoryURL"),
                                ("ShoppingCart.checkoutTotal", "java/shop/ShoppingCart.java",
                                 "ShoppingCart.checkoutTotal")]:
        top = stack.search(query, k=5).hits[0]
        assert (top.rel_path, top.symbol) == (path, symbol), query
        assert top.scores["symbol"] == 1.0
    top = stack.search("validate_jwt", k=5).hits[0]
    assert top.code.startswith("def validate_jwt(token: str) -> dict:")
    assert top.scores["callers"] == 30 + 0  # the 30 use_i functions call it
    assert top.marks == [7]  # the line that names it


def test_scope_filters_apply_in_the_store(stack, make_repo) -> None:  # noqa: ANN001
    stack.index(make_repo("svc", FILES))
    assert {h.lang for h in stack.search("signature token", k=10,
                                         filters=SearchFilters(langs=("go",))).hits} <= {"go"}
    hits = stack.search("signature", k=10, filters=SearchFilters(path_glob="src/**/*.py")).hits
    assert hits and all(h.rel_path.startswith("src/") and h.rel_path.endswith(".py")
                        for h in hits)
    assert stack.search("signature", k=10, filters=SearchFilters(path_glob="*.java")).hits == []
    kinds = {h.kind for h in stack.search("shopping cart", k=10,
                                          filters=SearchFilters(kinds=("class",))).hits}
    assert kinds == {"class"}


def test_long_definition_expands_to_the_whole_function(stack, make_repo) -> None:  # noqa: ANN001
    body = "\n".join(f"    step_{i} = prepare(step_{i - 1})" for i in range(1, 200))
    src = f"def long_pipeline(step_0):\n{body}\n    return finalize_quarterly_ledger(step_199)\n"
    stack.index(make_repo("svc", {"etl/pipeline.py": src}))
    hit = stack.search("finalize quarterly ledger", k=1).hits[0]
    assert (hit.start_line, hit.end_line) == (1, 201)
    assert hit.match_start > 1 and hit.match_end == 201
    assert hit.code.splitlines()[0] == "def long_pipeline(step_0):"
    assert hit.marks == [201]
    assert hit.link.endswith("#L1-201")


def test_overlapping_chunks_are_returned_once(stack, make_repo) -> None:  # noqa: ANN001
    stack.index(make_repo("svc", FILES))
    hits = stack.search("shopping cart checkout total discount", k=10).hits
    spans = [(h.rel_path, h.start_line, h.end_line) for h in hits]
    for i, (p, a, b) in enumerate(spans):
        for q, c, d in spans[i + 1:]:
            assert p != q or b < c or d < a, spans


def test_no_hit_from_another_tenant_in_any_scope(stack, make_repo) -> None:  # noqa: ANN001
    index_as(stack, team_repo(make_repo, "a", "alpha"), TEAM_A,
             "https://git.example.com/emea/team-a/svc")
    index_as(stack, team_repo(make_repo, "b", "beta"), TEAM_B,
             "https://git.example.com/emea/team-b/svc")
    nav = CodeNavigator(stack.meta, stack.graph)
    for query in ["handle_payment", "charge card customers", "beta", "charge_card_beta",
                  "charge_card", "status amount"]:
        for h in stack.search(query, k=20, tenant=TEAM_A).hits:
            assert h.repo_url.endswith("team-a/svc") and "beta" not in h.code, query
    region = stack.search("handle_payment", k=20, tenant=EMEA).hits
    assert {h.repo_url for h in region} == {"https://git.example.com/emea/team-a/svc",
                                            "https://git.example.com/emea/team-b/svc"}
    assert stack.repos(APAC) == []
    repos_a = stack.repos(TEAM_A)
    assert [d.repo_url for d in nav.definitions(repos_a, "handle_payment")] == [
        "https://git.example.com/emea/team-a/svc"]
    assert nav.definitions(repos_a, "charge_card_beta") == []
    assert [c.symbol for c in nav.callees(repos_a, "handle_payment")] == ["charge_card_alpha"]
    assert len(nav.definitions(stack.repos(EMEA), "handle_payment")) == 2
    # inside the store query: team A's tenant with team B's repo id finds nothing
    repo_b = stack.repos(TEAM_B)[0]
    mixed = StoreScope((str(TEAM_A),), (repo_b.id,))
    assert stack.vectors.search_lexical(mixed, "charge card", 10) == []
    assert stack.vectors.search_symbols(mixed, ["handle_payment"], 10) == []
    assert stack.graph.symbols_by_name(mixed, ["handle_payment"]) == []


def test_callers_callees_and_definitions(stack, make_repo) -> None:  # noqa: ANN001
    stack.index(make_repo("svc", CALLS))
    nav = CodeNavigator(stack.meta, stack.graph)
    repos = stack.repos()
    assert sorted(c.symbol for c in nav.callers(repos, "middle")) == [
        "Worker.step", "top_one", "top_two"]
    assert [c.symbol for c in nav.callees(repos, "middle")] == ["leaf"]
    assert [c.symbol for c in nav.callers(repos, "Worker.step")] == ["Worker.run"]
    assert nav.callers(repos, "top_one") == []
    (d,) = nav.definitions(repos, "Worker.step")
    assert (d.rel_path, d.start_line, d.end_line, d.kind) == ("graph/calls.py", 21, 22,
                                                              "method")
    assert d.link.endswith("graph/calls.py#L21-22")
    # PageRank at index time: the leaf everything flows into ranks highest
    sha = stack.meta.live_files(repos[0].id)["graph/calls.py"].file_sha
    defs = {s.name: s for s in stack.graph.definitions_in(
        StoreScope(("local",), (repos[0].id,)),
        [file_node_id("local", repos[0].id, "graph/calls.py", sha)])}
    assert {"Worker", "run", "step"} <= set(defs)  # methods inside the class too
    assert defs["leaf"].rank > defs["middle"].rank > defs["top_one"].rank
    assert (defs["middle"].callers, defs["leaf"].callers) == (3, 1)


def test_renamed_function_is_found_under_its_new_name_only(stack, make_repo) -> None:  # noqa: ANN001
    repo = make_repo("svc", CALLS)
    stack.index(repo)
    repo.write({"graph/calls.py": CALLS["graph/calls.py"].replace("top_two", "top_second")})
    repo.commit("rename")
    stack.index(repo)
    nav = CodeNavigator(stack.meta, stack.graph)
    assert sorted(c.symbol for c in nav.callers(stack.repos(), "middle")) == [
        "Worker.step", "top_one", "top_second"]
    assert all(h.symbol != "top_two" for h in stack.search("top_two", k=10).hits)
