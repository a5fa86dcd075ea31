"""At a phone's width (390 px) the top bar wraps: every link and the user menu stay on
screen (they used to overflow, with Log out off-screen)."""

import pytest
from django.contrib.auth.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_top_bar_fits_a_390_px_screen(e2e, logged_in):
    user = User.objects.create_user("narrow")
    page = logged_in(user)
    page.set_viewport_size({"width": 390, "height": 800})

    page.goto(f"{e2e.url}/diagnose/")

    for control in [*page.locator(".topbar .nav a").all(), page.locator(".usermenu summary")]:
        box = control.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390
