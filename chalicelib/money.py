"""Money arithmetic: every split, percentage and tax of an amount lives here.

An amount is always an ``int`` count of its currency's minor unit (cents for
USD, yen for JPY, fils for BHD) next to an ISO 4217 code. Floats are rejected
everywhere: a rate that is not a whole number is a ``fractions.Fraction``
(or ``decimal.Decimal``), and every result is brought back to an ``int``.

Rounding rule (the only one used in this project)
--------------------------------------------------
A single exact rational result is rounded to the nearest minor unit, with
ties going away from zero ("round half up" on the magnitude, Decimal's
``ROUND_HALF_UP``): 2.5 -> 3, -2.5 -> -3, 2.4999 -> 2. Because it works on
the magnitude, ``f(-x) == -f(x)`` for every function here, so refunds and
credits mirror charges exactly.

Splitting an amount into parts uses the largest-remainder method instead
(see ``allocate``): rounding each part on its own would not sum back to the
whole.

Functions assume validated input; a wrong type or an impossible value is a
programmer error and raises ``ValueError``.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from decimal import Decimal
from fractions import Fraction

from babel import Locale
from babel.numbers import get_currency_symbol

# Active ISO 4217 codes -> minor-unit exponent (list one, codes whose minor
# unit is "N.A." such as XAU/XDR/XXX left out: nothing can be priced in them).
# Fund codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW) are included since
# they are valid codes with a defined minor unit. ANG is listed alongside its
# successor XCG while the 2025 changeover runs.
CURRENCIES: dict[str, int] = {
    "AED": 2,
    "AFN": 2,
    "ALL": 2,
    "AMD": 2,
    "ANG": 2,
    "AOA": 2,
    "ARS": 2,
    "AUD": 2,
    "AWG": 2,
    "AZN": 2,
    "BAM": 2,
    "BBD": 2,
    "BDT": 2,
    "BGN": 2,
    "BHD": 3,
    "BIF": 0,
    "BMD": 2,
    "BND": 2,
    "BOB": 2,
    "BOV": 2,
    "BRL": 2,
    "BSD": 2,
    "BTN": 2,
    "BWP": 2,
    "BYN": 2,
    "BZD": 2,
    "CAD": 2,
    "CDF": 2,
    "CHE": 2,
    "CHF": 2,
    "CHW": 2,
    "CLF": 4,
    "CLP": 0,
    "CNY": 2,
    "COP": 2,
    "COU": 2,
    "CRC": 2,
    "CUC": 2,
    "CUP": 2,
    "CVE": 2,
    "CZK": 2,
    "DJF": 0,
    "DKK": 2,
    "DOP": 2,
    "DZD": 2,
    "EGP": 2,
    "ERN": 2,
    "ETB": 2,
    "EUR": 2,
    "FJD": 2,
    "FKP": 2,
    "GBP": 2,
    "GEL": 2,
    "GHS": 2,
    "GIP": 2,
    "GMD": 2,
    "GNF": 0,
    "GTQ": 2,
    "GYD": 2,
    "HKD": 2,
    "HNL": 2,
    "HTG": 2,
    "HUF": 2,
    "IDR": 2,
    "ILS": 2,
    "INR": 2,
    "IQD": 3,
    "IRR": 2,
    "ISK": 0,
    "JMD": 2,
    "JOD": 3,
    "JPY": 0,
    "KES": 2,
    "KGS": 2,
    "KHR": 2,
    "KMF": 0,
    "KPW": 2,
    "KRW": 0,
    "KWD": 3,
    "KYD": 2,
    "KZT": 2,
    "LAK": 2,
    "LBP": 2,
    "LKR": 2,
    "LRD": 2,
    "LSL": 2,
    "LYD": 3,
    "MAD": 2,
    "MDL": 2,
    "MGA": 2,
    "MKD": 2,
    "MMK": 2,
    "MNT": 2,
    "MOP": 2,
    "MRU": 2,
    "MUR": 2,
    "MVR": 2,
    "MWK": 2,
    "MXN": 2,
    "MXV": 2,
    "MYR": 2,
    "MZN": 2,
    "NAD": 2,
    "NGN": 2,
    "NIO": 2,
    "NOK": 2,
    "NPR": 2,
    "NZD": 2,
    "OMR": 3,
    "PAB": 2,
    "PEN": 2,
    "PGK": 2,
    "PHP": 2,
    "PKR": 2,
    "PLN": 2,
    "PYG": 0,
    "QAR": 2,
    "RON": 2,
    "RSD": 2,
    "RUB": 2,
    "RWF": 0,
    "SAR": 2,
    "SBD": 2,
    "SCR": 2,
    "SDG": 2,
    "SEK": 2,
    "SGD": 2,
    "SHP": 2,
    "SLE": 2,
    "SOS": 2,
    "SRD": 2,
    "SSP": 2,
    "STN": 2,
    "SVC": 2,
    "SYP": 2,
    "SZL": 2,
    "THB": 2,
    "TJS": 2,
    "TMT": 2,
    "TND": 3,
    "TOP": 2,
    "TRY": 2,
    "TTD": 2,
    "TWD": 2,
    "TZS": 2,
    "UAH": 2,
    "UGX": 0,
    "USD": 2,
    "USN": 2,
    "UYI": 0,
    "UYU": 2,
    "UYW": 4,
    "UZS": 2,
    "VED": 2,
    "VES": 2,
    "VND": 0,
    "VUV": 0,
    "WST": 2,
    "XAF": 0,
    "XCD": 2,
    "XCG": 2,
    "XOF": 0,
    "XPF": 0,
    "YER": 2,
    "ZAR": 2,
    "ZMW": 2,
    "ZWG": 2,
}

BASIS_POINTS = 10_000  # 100 % expressed in basis points


def is_currency(code: object) -> bool:
    """True for an upper-case active ISO 4217 code ('usd' is not accepted)."""
    return isinstance(code, str) and code in CURRENCIES


def exponent(currency: str) -> int:
    """Number of decimal places of ``currency``'s minor unit."""
    if not is_currency(currency):
        raise ValueError(f"unknown currency {currency!r}")
    return CURRENCIES[currency]


def require_int(name: str, value: object) -> int:
    """Return ``value`` if it is a real int; bools and floats are bugs here."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an int, got {type(value).__name__}")
    return value


def require_non_negative(name: str, value: object) -> int:
    """Return ``value`` if it is an int of at least 0."""
    number = require_int(name, value)
    if number < 0:
        raise ValueError(f"{name} must not be negative")
    return number


def round_half_up(value: Fraction | int) -> int:
    """Round an exact rational to an int, ties away from zero."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, Fraction):
        raise ValueError("round_half_up takes an int or a Fraction")
    magnitude = abs(value)
    # floor(|x| + 1/2) is "nearest, ties up" on the magnitude.
    rounded = (magnitude.numerator * 2 + magnitude.denominator) // (magnitude.denominator * 2)
    return rounded if value >= 0 else -rounded


def format_money(amount: int, currency: str, locale: Locale | str = "en") -> str:
    """Display in `locale` (Babel: CLDR's symbols and patterns) with exactly the currency's ISO minor-unit
    digits: '$19.99', '¥500', '-€5.00', 'CHF 1,234.56' (a no-break space) in English; 'US$19.99' and '¥19.99'
    (CNY) in Chinese."""
    require_int("amount", amount)
    places = exponent(currency)
    locale = Locale.parse(locale)
    pattern = copy.copy(locale.currency_formats["standard"])
    pattern.frac_prec = (places, places)
    shown = pattern.apply(Decimal(amount).scaleb(-places), locale, currency=currency, currency_digits=False)
    return _currency_spaced(shown, get_currency_symbol(currency, locale))


def _currency_spaced(shown: str, symbol: str) -> str:
    """CLDR's currency spacing, which Babel leaves out: a symbol that ends (or starts) with a letter or a
    point stands apart from the digits beside it by a no-break space ('CHF 1,234.56', 'Cg. 1,234.56')."""

    def apart(char: str) -> bool:
        return unicodedata.category(char)[0] not in "SZ"

    at = shown.find(symbol)
    if at < 0 or not symbol:
        return shown
    end = at + len(symbol)
    if end < len(shown) and shown[end].isdigit() and apart(symbol[-1]):
        return shown[:end] + "\u00a0" + shown[end:]
    if at > 0 and shown[at - 1].isdigit() and apart(symbol[0]):
        return shown[:at] + "\u00a0" + shown[at:]
    return shown


_AMOUNT = re.compile(r"^([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]*))?$")


def parse_amount(text: str, currency: str) -> int | None:
    """What a merchant types in a price field, in minor units: '19.99' USD -> 1999, '1,250' USD -> 125000,
    '500' JPY -> 500. None when it is not an amount of this currency (a sign, letters, more decimals than
    the currency has): the form then says so next to the field."""
    match = _AMOUNT.match((text or "").strip())
    if match is None or len(match[2] or "") > exponent(currency):
        return None
    places = exponent(currency)
    return int(match[1].replace(",", "")) * 10**places + int((match[2] or "").ljust(places, "0") or 0)


def amount_input(amount: int | None, currency: str) -> str:
    """An amount as a form field shows it for editing, without symbol or grouping: 1999 USD -> '19.99'."""
    if amount is None:
        return ""
    places = exponent(currency)
    units, minor = divmod(abs(require_int("amount", amount)), 10**places)
    return ("-" if amount < 0 else "") + (f"{units}.{minor:0{places}d}" if places else str(units))


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` across ``weights`` in proportion, summing exactly.

    Largest-remainder method: every part first gets the floor of its exact
    share, then the minor units left over go one each to the parts with the
    largest fractional remainders; equal remainders go to the lowest index
    first. All-zero weights split evenly (as if every weight were 1). The
    split is computed on ``abs(total)`` and the sign put back, so
    ``allocate(-t, w) == [-p for p in allocate(t, w)]``.
    """
    require_int("total", total)
    weights = [require_int("weight", w) for w in weights]
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    if not weights:
        if total:
            raise ValueError("cannot allocate a non-zero total to no parts")
        return []
    if not any(weights):
        weights = [1] * len(weights)
    magnitude = abs(total)
    weight_sum = sum(weights)
    shares = [divmod(magnitude * w, weight_sum) for w in weights]
    parts = [floor for floor, _ in shares]
    left_over = magnitude - sum(parts)  # always < len(weights)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-shares[i][1], i))
    for index in by_remainder[:left_over]:
        parts[index] += 1
    return parts if total >= 0 else [-p for p in parts]


def _as_fraction(name: str, rate: int | Fraction | Decimal) -> Fraction:
    # Fraction(float) would silently accept binary floats; refuse them.
    if isinstance(rate, bool) or not isinstance(rate, (int, Fraction, Decimal)):
        raise ValueError(f"{name} must be an int, Fraction or Decimal")
    if isinstance(rate, Decimal) and not rate.is_finite():
        raise ValueError(f"{name} must be finite")
    return Fraction(rate)


def percent_of(amount: int, percent: int | Fraction | Decimal) -> int:
    """``percent`` % of ``amount``, rounded half up to the minor unit."""
    require_int("amount", amount)
    return round_half_up(amount * _as_fraction("percent", percent) / 100)


def _require_rate_bp(rate_bp: int) -> int:
    require_int("rate_bp", rate_bp)
    if rate_bp < 0:
        raise ValueError("rate_bp must not be negative")
    return rate_bp


def tax_on(amount: int, rate_bp: int) -> int:
    """Tax to add on top of a net ``amount`` (tax-exclusive prices).

    ``rate_bp`` is in basis points: 825 means 8.25 %.
    """
    require_int("amount", amount)
    _require_rate_bp(rate_bp)
    return round_half_up(Fraction(amount * rate_bp, BASIS_POINTS))


def tax_in(amount: int, rate_bp: int) -> int:
    """Tax contained in a gross ``amount`` (tax-inclusive prices).

    The tax itself is rounded (not the net), so for net ``n`` and positive
    rates ``tax_in(n + tax_on(n, r), r) == tax_on(n, r)`` exactly: the exact
    contained tax is always within half a unit of the tax that was added.
    """
    require_int("amount", amount)
    _require_rate_bp(rate_bp)
    return round_half_up(Fraction(amount * rate_bp, BASIS_POINTS + rate_bp))
