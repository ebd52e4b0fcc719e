"""Take a full-page screenshot of every page of a running app (for the README and for review).

Usage: python scripts/screenshots.py --url http://localhost:8501 --out docs/pages
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from dashboard.navigation import DEFAULT_PAGE, page_files
from dashboard.serve import CHROMIUM, CHROMIUM_ARGS


def main() -> None:
    parser = argparse.ArgumentParser(description="为运行中的看板每一页截图")
    parser.add_argument("--url", default="http://localhost:8501", help="看板地址")
    parser.add_argument("--out", default="docs/pages", help="截图保存目录")
    parser.add_argument("--pages", nargs="*", help="只截这些页面（文件名去掉 .py）")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    wanted = args.pages or [f.removesuffix(".py") for f in page_files()]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        for name in wanted:
            path = "" if f"{name}.py" == DEFAULT_PAGE else name
            page.goto(f"{args.url}/{path}")
            page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
            page.wait_for_timeout(1500)
            page.wait_for_function(
                "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000
            )
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(f"{name}: {out / f'{name}.png'}")
        browser.close()


if __name__ == "__main__":
    main()
