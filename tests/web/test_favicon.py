"""Every page names its icon, so browsers stop asking for /favicon.ico (a 404 each time)."""

from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_pages_link_the_svg_favicon():
    html = Client().get(reverse("web:login")).content.decode()

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html


def test_the_favicon_is_a_small_svg_in_the_static_files():
    found = finders.find("favicon.svg")
    assert isinstance(found, str)
    path = Path(found)

    assert path.stat().st_size < 1024
    assert ElementTree.parse(path).getroot().tag == "{http://www.w3.org/2000/svg}svg"
