"""JSON Schemas of request and response bodies, one module per audience; this package is the one
namespace routes read them from (`schemas.PRODUCT_CREATE`).

Each request schema is the very object the validator runs (`validation.check`) and the one
`/openapi.json` publishes; each constant is published there once, as a component named after it.
Response schemas list every field an answer carries, and `required` what it always carries.
"""

from .bulk_edits import *  # noqa: F403
from .common import *  # noqa: F403
from .media import *  # noqa: F403
from .merchant import *  # noqa: F403
from .operator import *  # noqa: F403
from .orders import *  # noqa: F403
from .storefront import *  # noqa: F403
from .theme_edits import *  # noqa: F403
from .translations import *  # noqa: F403
