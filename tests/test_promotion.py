"""promotion.py: adverts found by what they do (name the product or brand, price, deal, call to buy, praise)."""

from __future__ import annotations

from mgqa.promotion import brand_words, context_of, is_promotional
from mgqa.records import Document

SELLER = Document(
    doc_id="s", source="s.md", kind="md", title="Calm Drops", sha256="", publisher="BrightLeaf Labs",
    commercial=True, promotes=("BrightLeaf Calm Drops",), publisher_type="commercial",
    text="Calm Drops\n\nWhy BrightLeaf?\n\n• Vegan and tested\n\nMagnesium is a mineral. The drops help you feel calm.",
    headings=((0, 10, 1), (12, 27, 2)),
)
PUBLIC = Document(doc_id="p", source="p.md", kind="md", title="Magnesium", sha256="", text="Magnesium is a mineral.")


def test_a_product_named_in_promotes_is_promotional_anywhere():
    doc = Document(doc_id="x", source="x.txt", kind="txt", title="", sha256="", text="", promotes=("Magnesium 7",))
    assert is_promotional("Full-spectrum supplements like Magnesium\n7 provide several forms.", doc)
    assert is_promotional("MAGNESIUM 7’s seven forms", doc)
    assert not is_promotional("Take magnesium 70 minutes before bed.", doc)


def test_brand_words_are_the_coined_words_of_product_and_publisher_names():
    assert brand_words(SELLER) == ("BrightLeaf",)  # "Calm", "Drops", "Labs"... are plain words or too short


def test_a_seller_page_names_its_brand_gives_a_price_or_praises_its_goods():
    assert is_promotional("Take BrightLeaf two hours apart from antibiotics.", SELLER)
    assert is_promotional("• 1 bottle: $29.95", SELLER)
    assert is_promotional("Our customers sleep better in a week.", SELLER)
    assert is_promotional('"I finally sleep." — Jo K., Ohio', SELLER)
    assert not is_promotional("Magnesium is a mineral.", SELLER)


def test_a_list_under_a_heading_naming_the_brand_is_promotional():
    start = SELLER.text.index("• Vegan")
    assert "Why BrightLeaf?" in context_of(SELLER, start)
    assert is_promotional("• Vegan and tested", SELLER, context_of(SELLER, start))


def test_on_a_public_page_only_deals_and_calls_to_buy_count():
    assert not is_promotional("A month of tablets costs about $5.", PUBLIC)
    assert not is_promotional("Our customers ask about magnesium.", PUBLIC)
    assert is_promotional("Add to cart and save 20% off today.", PUBLIC)
