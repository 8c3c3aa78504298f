"""A product's words in the shop's other languages (product_translations)."""

from .common import answer, closed, display_text, handle, language_tag, nullable_string, string, text

PRODUCT_TRANSLATION = closed(
    {
        "title": display_text(255, 1),
        "description": text(20_000),
        "handle": {**handle, "description": "Its address in that language; none: the product's own handle"},
    },
    ("title",),
)
PRODUCT_TRANSLATIONS = {
    "type": "object",
    "propertyNames": language_tag,
    "additionalProperties": answer({"title": string, "description": string, "handle": nullable_string}),
    "description": "By language: what its pages in that language show instead of the product's own words",
}
