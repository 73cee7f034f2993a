"""Make docs/images/html-view.png: the HTML view of ResNet50 in headless Chromium.

Usage: python docs/images/make_html_view.py   (needs TensorFlow once, Chromium and playwright)
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import nnviz

HERE = Path(__file__).resolve().parent
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def main() -> None:
    import keras
    from playwright.sync_api import sync_playwright

    graph = nnviz.load(keras.applications.ResNet50(weights=None))
    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / "resnet50.html"
        nnviz.draw(graph).save(page_path)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(page_path.as_uri())
            page.fill("#search", "conv4_block1")
            page.press("#search", "Enter")
            page.locator('.view.active [data-layer="conv4_block1_0_conv"]').click()
            page.mouse.move(450, 500)
            for _ in range(3):
                page.mouse.wheel(0, -200)
            page.screenshot(path=str(HERE / "html-view.png"))
            browser.close()


if __name__ == "__main__":
    main()
