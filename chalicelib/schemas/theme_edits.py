"""What a merchant sends and reads to edit their theme's templates (theme_edits.py)."""

from .common import answer, boolean, closed, integer, nullable_string, string, text, timestamp

_version = {"type": "integer", "minimum": 0, "maximum": 1_000_000}
TEMPLATE_SOURCE = closed({"source": text(64_000)}, ("source",))
TEMPLATE_CONFLICT = answer(
    {
        "theme_source": nullable_string,
        "made_against_version": {"type": ["integer", "null"]},
        "theme_version": integer,
        "reason": string,
    },
    optional=("made_against_version", "theme_version"),
)
THEME_TEMPLATE = answer(
    {
        "name": string,
        "theme": string,
        "source": {**string, "description": "The draft's version, or the theme's own when the draft has none"},
        "edited": boolean,
        "theme_source": nullable_string,
        "conflict": {
            "anyOf": [TEMPLATE_CONFLICT, {"type": "null"}],
            "description": "Both sides when the theme's template changed since this version was made",
        },
        "saved_at": {"type": ["string", "null"]},
    }
)
THEME_TEMPLATES = answer(
    {
        "theme": string,
        "live_version": {"type": ["integer", "null"]},
        "items": {
            "type": "array",
            "items": answer(
                {
                    "name": string,
                    "edited_in_draft": boolean,
                    "edited_live": boolean,
                    "unpublished": boolean,
                    "conflict": boolean,
                }
            ),
        },
    }
)
THEME_PREVIEW = answer({"url": string, "expires_at": timestamp})
THEME_PUBLISHED = answer({"version": integer, "theme": string, "published_at": timestamp})
THEME_ROLLBACK = closed({"version": {**_version, "description": "0: the theme's own templates"}}, ("version",))
THEME_LIVE = answer({"version": integer, "theme": string})
THEME_VERSIONS = answer(
    {
        "theme": string,
        "live_version": {"type": ["integer", "null"]},
        "items": {
            "type": "array",
            "items": answer(
                {
                    "version": integer,
                    "published_at": timestamp,
                    "published_by": string,
                    "templates": {"type": "array", "items": string},
                    "live": boolean,
                }
            ),
        },
    }
)
