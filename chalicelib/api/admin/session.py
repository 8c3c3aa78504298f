"""Getting in and out of the web admin: sign in, open a shop, sign out, change or reset the password.
The same accounts, rules and rate limits as the API's /api/auth and /api/merchants/signup calls."""

from chalice import Blueprint

from chalicelib import (
    accounts,
    admin_session,
    admin_ui,
    money,
    onboarding,
    schemas,
    settings,
    tenants,
    throttle,
    validation,
    web,
)
from chalicelib.errors import Invalid, TooManyRequests, Unauthorized

bp = Blueprint(__name__)
routes = web.Routes(bp)
CURRENCIES = [(code, code) for code in sorted(money.CURRENCIES)]


@routes.admin("/admin/login", ["GET"], summary="Sign-in page", signed_in=False)
def sign_in_page(session, form):
    if session.tenant_id:
        return admin_ui.redirect("/admin")
    query = bp.current_request.query_params or {}
    return _login(session, next_page=admin_ui.safe_next(query.get("next")), notice=admin_ui.notice(query.get("notice")))


@routes.admin("/admin/login", ["POST"], summary="Sign in (form: email, password)", signed_in=False)
def sign_in(session, form):
    next_page = admin_ui.safe_next(form.get("next"))
    data = {"email": form.get("email"), "password": form.values.get("password", [""])[0]}
    try:
        client = web.client_address(bp.current_request)
        token = accounts.login(**validation.check(data, schemas.LOGIN), client=client)
    except (Invalid, Unauthorized) as err:
        status = 401 if isinstance(err, Unauthorized) else 400
        return _login(session, next_page, data["email"], admin_ui.FormErrors(err.message), status=status)
    except TooManyRequests as err:
        page = _login(session, next_page, data["email"], admin_ui.FormErrors(err.message), status=429)
        page.headers["Retry-After"] = str(err.retry_after)
        return page
    return admin_ui.redirect(next_page, cookies=[admin_session.session_cookie(token)])


def _login(session, next_page="/admin", email="", errors=None, *, status=200, notice=None):
    errors = errors or admin_ui.FormErrors()
    return admin_ui.render(
        "login.html", session, status=status, next=next_page, email=email, errors=errors, notice=notice
    )


@routes.admin("/admin/signup", ["GET"], summary="Open a shop: the form", signed_in=False)
def open_shop_page(session, form):
    return _signup(session, {})


@routes.admin(
    "/admin/signup",
    ["POST"],
    summary="Open a shop (form: shop_name, subdomain, email, password, currency)",
    signed_in=False,
)
def open_shop(session, form):
    request = bp.current_request
    throttle.charge(throttle.signups(web.client_address(request)))
    values = {name: form.get(name) for name in ("shop_name", "subdomain", "email", "currency")}
    data = {**values, "password": form.values.get("password", [""])[0], "subdomain": values["subdomain"].lower()}
    try:
        result = tenants.signup(**validation.check(data, schemas.SIGNUP))
    except Invalid as err:
        return _signup(session, values, admin_ui.FormErrors.of(err), status=400)
    onboarding.start(result["shop"])
    return admin_ui.redirect("/admin", cookies=[admin_session.session_cookie(result["token"])])


def _signup(session, values, errors=None, *, status=200):
    return admin_ui.render(
        "signup.html",
        session,
        status=status,
        values={"shop_name": "", "subdomain": "", "email": "", "currency": "USD", **values},
        currencies=CURRENCIES,
        platform_domain=settings.STOREFRONT_DOMAIN,
        errors=errors or admin_ui.FormErrors(),
    )


@routes.admin("/admin/logout", ["POST"], summary="Sign out: the session ends on every copy of its cookie")
def sign_out(session, form):
    accounts.logout(session.claims)
    return admin_ui.redirect("/admin/login", notice="signed_out", cookies=[admin_session.ended_session_cookie()])


@routes.admin("/admin/account/password", ["GET"], summary="Change password: the form")
def password_change_page(session, form):
    return admin_ui.render("password.html", session)


@routes.admin(
    "/admin/account/password",
    ["POST"],
    summary="Change password (form: current_password, password); other sessions end",
)
def password_change(session, form):
    data = {name: form.values.get(name, [""])[0] for name in ("current_password", "password")}
    try:
        token = accounts.change_password(
            session.claims,
            **validation.check(data, schemas.PASSWORD_CHANGE),
            client=web.client_address(bp.current_request),
        )
    except (Invalid, Unauthorized) as err:
        fields = err.fields or ({"current_password": "is not right"} if isinstance(err, Unauthorized) else {})
        return admin_ui.render("password.html", session, status=400, errors=admin_ui.FormErrors(err.message, fields))
    return admin_ui.redirect("/admin", notice="password_changed", cookies=[admin_session.session_cookie(token)])


@routes.admin("/admin/password-reset", ["GET"], summary="Forgot password: the form", signed_in=False)
def forgotten_password_page(session, form):
    return admin_ui.render("password_reset.html", session, email="", sent=False)


@routes.admin(
    "/admin/password-reset",
    ["POST"],
    summary="Forgot password (form: email): mails a reset link if the email has an account",
    signed_in=False,
)
def forgotten_password(session, form):
    throttle.charge(throttle.password_resets(web.client_address(bp.current_request)))
    email = form.get("email")
    try:
        accounts.request_reset(validation.check({"email": email}, schemas.PASSWORD_RESET)["email"])
    except Invalid as err:
        errors = admin_ui.FormErrors.of(err)
        return admin_ui.render("password_reset.html", session, status=400, email=email, sent=False, errors=errors)
    return admin_ui.render("password_reset.html", session, email=email, sent=True)
