"""Products (AI tools, models, techniques) and the `uses` links of occupations and people."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from aijobs import load, validate
from aijobs.cli import app
from aijobs.db import session
from aijobs.db.build import build_sqlite
from aijobs.db.search import search
from aijobs.db.tables import ProductRow
from aijobs.records import Occupation, Product
from aijobs.text import normalize
from aijobs.tools.export import export
from tests.conftest import REPO, Workspace

# A test product named in paragraph 1 of the demo document ("AI训练师成为新职业").
PRODUCT = """\
id: demo-app
names:
  - text: AI训练师
    lang: zh-Hans
    cite:
      - {source: demo-news, para: 1, quote: AI训练师成为新职业}
  - text: AI訓練師
    lang: zh-Hant
    translation: true
kind: app
maker:
  company: ministry
  cite:
    - {source: demo-news, para: 3, quote: 人社部}
description:
  text: A stand-in product for the tests.
  cite:
    - {source: demo-news, para: 1, quote: AI训练师成为新职业}
"""

USES = """\
uses:
  - product: demo-app
    cite:
      - {source: demo-news, para: 1, quote: AI训练师成为新职业}
"""


@pytest.fixture
def with_product(workspace: Workspace) -> Workspace:
    workspace.write("products/demo-app.yaml", PRODUCT)
    path = workspace.curated / "occupations/data-tagger.yaml"
    workspace.write("occupations/data-tagger.yaml", path.read_text(encoding="utf-8") + USES)
    return workspace


def problems_of(space: Workspace) -> list[str]:
    _, problems = validate(space.curated)
    return [str(problem) for problem in problems]


def test_a_product_and_its_use_validate_and_are_claims(with_product: Workspace) -> None:
    kb, problems = validate(with_product.curated)
    assert problems == []
    (product,) = kb.products
    assert isinstance(product, Product) and product.maker is not None and product.maker.company == "ministry"
    properties = {(claim.subject, claim.property, claim.value) for claim in kb.claims()}
    assert ("demo-app", "maker", "ministry") in properties
    assert ("data-tagger", "uses", "demo-app") in properties


def test_which_occupations_use_a_product_is_one_join(with_product: Workspace) -> None:
    db = with_product.root / "aijobs.db"
    build_sqlite(load(with_product.curated), db)
    with sqlite3.connect(db) as connection:
        product = connection.execute("SELECT id, kind, name_zh_hans, name_zh_hant, maker_id FROM product").fetchall()
        users = connection.execute(
            "SELECT o.id, c.quote FROM product_use u JOIN occupation o ON o.id = u.user_id "
            "JOIN citation c ON c.claim_id = u.claim_id WHERE u.product_id = 'demo-app'"
        ).fetchall()
        entity = connection.execute("SELECT type FROM entity WHERE id = 'demo-app'").fetchone()
        found = [hit.entity_id for hit in search(connection, "AI訓練師")]
    assert product == [("demo-app", "app", "AI训练师", "AI訓練師", "ministry")]
    assert users == [("data-tagger", "AI训练师成为新职业")]
    assert entity == ("product",)
    assert "demo-app" in found
    with session(db) as read:
        row = read.exec(select(ProductRow)).one()
        assert row.maker is not None and row.maker.id == "ministry"
        assert [use.user_id for use in row.uses] == ["data-tagger"]
        assert [p.id for p in row.maker.products] == ["demo-app"]


def test_a_use_whose_quotes_do_not_name_the_product_is_reported(with_product: Workspace) -> None:
    with_product.replace(
        "occupations/data-tagger.yaml", "para: 1, quote: AI训练师成为新职业", "para: 2, quote: the ministry"
    )
    (problem,) = problems_of(with_product)
    assert problem.startswith("curated/occupations/data-tagger.yaml:")
    assert problem.endswith(
        "uses.0.cite: no quote of this use names product 'demo-app' (one of: 'ai训练师'); "
        "quote the words that name it, or add the name as written to the product"
    )


def test_a_use_of_a_missing_product_is_a_dangling_reference(with_product: Workspace) -> None:
    with_product.replace("occupations/data-tagger.yaml", "product: demo-app", "product: demo-ap")
    (problem,) = problems_of(with_product)
    assert "uses.0.product: points to 'demo-ap', but no product has that id" in problem
    assert problem.endswith("did you mean 'demo-app'? If not, create curated/products/demo-ap.yaml")


def test_the_maker_must_be_a_company(with_product: Workspace) -> None:
    with_product.replace("products/demo-app.yaml", "company: ministry", "company: wang-fang")
    (problem,) = problems_of(with_product)
    assert problem.endswith("maker.company: points to 'wang-fang', which is a person; expected a company")


def test_a_maker_needs_a_citation(with_product: Workspace) -> None:
    with_product.replace(
        "products/demo-app.yaml",
        "  company: ministry\n  cite:\n    - {source: demo-news, para: 3, quote: 人社部}\n",
        "",
    )
    with_product.replace("products/demo-app.yaml", "maker:\n", "maker: {company: ministry}\n")
    (problem,) = problems_of(with_product)
    assert "maker.cite" in problem and "required" in problem.lower()


def test_a_kind_outside_the_vocabulary_lists_the_choices(with_product: Workspace) -> None:
    with_product.replace("products/demo-app.yaml", "kind: app", "kind: chatbot")
    (problem,) = problems_of(with_product)
    assert "kind" in problem and "'model', 'app', 'technique' or 'platform'" in problem
    assert "chatbot" in problem


def test_a_product_needs_a_name(with_product: Workspace) -> None:
    text = (with_product.curated / "products/demo-app.yaml").read_text(encoding="utf-8")
    names = text[text.index("names:") : text.index("kind:")]
    with_product.write("products/demo-app.yaml", text.replace(names, ""))
    (problem,) = problems_of(with_product)
    assert "a product needs at least one name" in problem


def test_jsonld_makes_a_product_a_software_application(with_product: Workspace) -> None:
    (path,) = export(load(with_product.curated), "jsonld", with_product.root / "out")
    nodes = {node.get("identifier"): node for node in json.loads(path.read_text(encoding="utf-8"))["@graph"]}
    product = nodes["demo-app"]
    assert product["@type"] == "SoftwareApplication"
    assert product["applicationCategory"] == "app"
    assert product["creator"] == {"@id": "https://aijobs.invalid/id/ministry"}
    assert {"@value": "AI训练师", "@language": "zh-Hans"} in product["name"]


def test_json_and_csv_exports_hold_the_products(with_product: Workspace) -> None:
    (path,) = export(load(with_product.curated), "json", with_product.root / "json")
    assert [record["id"] for record in json.loads(path.read_text(encoding="utf-8"))["products"]] == ["demo-app"]
    files = {p.name: p for p in export(load(with_product.curated), "csv", with_product.root / "csv")}
    assert "demo-app,app," in files["product.csv"].read_text(encoding="utf-8")
    assert ",data-tagger,demo-app," in files["product_use.csv"].read_text(encoding="utf-8")


def test_new_product_scaffold_validates(workspace: Workspace) -> None:
    result = CliRunner().invoke(
        app, ["new", "product", "demo-app", "--name", "AI训练师", "--cite", "demo-news:1:AI训练师成为新职业"]
    )
    assert result.exit_code == 0, result.output
    assert "kind: model" in (workspace.curated / "products/demo-app.yaml").read_text(encoding="utf-8")
    assert problems_of(workspace) == []


# --- the real data -----------------------------------------------------------------


def test_every_tool_that_names_a_product_links_to_it() -> None:
    """An occupation's tool statement quoting a product's name has that product in `uses`."""
    kb = load(REPO / "curated")
    names = {
        product.id: {normalize(name.text).casefold() for name in product.names if not name.translation}
        for product in kb.products
    }
    assert len(names) >= 8
    missing = []
    for occupation in kb.records(Occupation):
        used = {use.product for use in occupation.uses}
        for tool in occupation.tools:
            quotes = [normalize(quote).casefold() for citation in tool.cite for _, quote in citation.spans()]
            for product, spellings in names.items():
                if any(name in quote for name in spellings for quote in quotes) and product not in used:
                    missing.append((occupation.id, product))
    assert missing == []


def test_which_occupations_use_stable_diffusion(tmp_path: Path) -> None:
    db = tmp_path / "aijobs.db"
    build_sqlite(load(REPO / "curated"), db)
    with sqlite3.connect(db) as connection:
        users = connection.execute(
            "SELECT u.user_id FROM product_use u JOIN occupation o ON o.id = u.user_id "
            "WHERE u.product_id = 'stable-diffusion'"
        ).fetchall()
        veo = [hit.entity_id for hit in search(connection, "Voe")]
    assert users == [("aigc-designer",)]
    assert veo[:1] == ["veo"]  # the essay's misspelling finds the product


def test_the_datasette_query_finds_users_by_any_name(tmp_path: Path) -> None:
    from aijobs.db.serve import CANNED_QUERIES

    db = tmp_path / "aijobs.db"
    build_sqlite(load(REPO / "curated"), db)
    sql = CANNED_QUERIES["product_users"]["sql"]
    with sqlite3.connect(db) as connection:
        by_misspelling = {row[2] for row in connection.execute(sql, {"product": "voe"})}
        by_id = {row[2] for row in connection.execute(sql, {"product": "sora"})}
        everything = {row[0] for row in connection.execute(sql, {"product": ""})}
    assert by_misspelling == {"ai-dreammaker"}
    assert by_id == {"ai-dreammaker", "paul-trillo"}
    assert everything == {"sora", "veo", "runway-app", "pika", "stable-diffusion", "lora"}
