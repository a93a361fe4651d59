"""The partner portal's amount field with its currency beside it (``NGN``) at 320 CSS px
(WCAG 2.1 SC 1.4.10), with the portal's own light stylesheet (partner.css). Its
``overflow-wrap: anywhere`` let the flex layout squeeze the suffix to one character a
line ("NG" over "N"), and the input grew two lines tall."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# The markup forms/_form.html renders for ``field(f, suffix=...)``, as the partner's report
# form shows the monthly income in local currency.
FIELD = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{base}/static/css/partner.css"><title>suffix</title></head>
<body><div class="container"><main><div class="form-group">
<label class="form-label" for="income_local">Monthly income in local currency</label>
<div class="form-input-wrapper form-input-wrapper--suffix">
  <input class="form-input" id="income_local" name="income_local" type="text" inputmode="decimal">
  <div class="form-input-suffix" aria-hidden="true">{suffix}</div>
</div></div></main></div></body></html>"""


@pytest.mark.parametrize("suffix", ["NGN", "DKK"])
def test_the_currency_beside_an_amount_stays_on_one_line_at_320_css_px(browser, live_server, suffix):
    page = browser.new_page(viewport={"width": 320, "height": 640})
    try:
        page.set_content(FIELD.format(base=live_server, suffix=suffix), wait_until="load")
        box = page.evaluate("""() => {
            const suffix = document.querySelector('.form-input-suffix');
            const input = document.querySelector('#income_local');
            const range = document.createRange();
            range.selectNodeContents(suffix);
            const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
            const s = suffix.getBoundingClientRect(), i = input.getBoundingClientRect();
            return {lines, suffixRight: s.right, inputRight: i.right, suffixLeft: s.left,
                    inputHeight: i.height, lineHeight: parseFloat(getComputedStyle(input).lineHeight),
                    width: document.documentElement.scrollWidth,
                    styled: getComputedStyle(suffix).borderLeftStyle === 'none'};
        }""")
        assert box["styled"], "partner.css was not applied"
        assert box["lines"] == 1, f"{suffix} is broken over {box['lines']} lines"
        assert box["inputRight"] <= box["suffixLeft"] + 1 and box["suffixRight"] <= 320, box
        assert box["inputHeight"] < 2 * box["lineHeight"] + 20, box  # one line of text, not two
        assert box["width"] <= 320, box
    finally:
        page.close()
