"""Template filters: code spans in fix texts."""

from diagnoser.web.templatetags.web_format import code_spans


def test_backticked_spans_become_code():
    assert code_spans("Send `Allow: GET, HEAD` with the 405.") == (
        "Send <code>Allow: GET, HEAD</code> with the 405."
    )


def test_markup_inside_backticks_is_escaped():
    html = code_spans("Try `<script>alert(1)</script>` now")

    assert html == "Try <code>&lt;script&gt;alert(1)&lt;/script&gt;</code> now"


def test_markup_outside_backticks_is_escaped_too():
    assert code_spans("<b>bold</b> & `x`") == "&lt;b&gt;bold&lt;/b&gt; &amp; <code>x</code>"


def test_an_unpaired_backtick_stays_text():
    assert code_spans("a ` b") == "a ` b"
