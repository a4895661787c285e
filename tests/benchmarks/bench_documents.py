"""Document speed: DOCX renders per second per template, lint, and LibreOffice PDF conversion.

Run: python tests/benchmarks/bench_documents.py [--renders 40] [--pdfs 4]
Prints the figures; not collected by pytest.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from documents import REGISTRY, builtin_template_bytes, lint, pdf_available, render, to_pdf
from documents.samples import sample_context, sample_transmittal


def rate(label: str, count: int, action: Callable[[], object]) -> float:
    action()  # warm-up: imports, first parse
    started = time.perf_counter()
    for _ in range(count):
        action()
    elapsed = time.perf_counter() - started
    per_second = count / elapsed
    print(f"{label:<48} {per_second:8.1f} /s   {elapsed / count * 1000:7.1f} ms each")
    return per_second


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--renders", type=int, default=40, help="renders per template")
    parser.add_argument("--pdfs", type=int, default=4, help="PDF conversions per measurement")
    args = parser.parse_args()

    print("DOCX render (sandboxed docxtpl, new DocxTemplate each time)")
    for code in REGISTRY:
        template, context = builtin_template_bytes(code), sample_context(code)
        rate(f"  {code}", args.renders, partial(render, template, context))
    big = sample_transmittal(files_per_approval=100)
    template = builtin_template_bytes("transmittal_list")
    rate("  transmittal_list, 200 files (table rows)", max(args.renders // 4, 3), lambda: render(template, big))

    print("Lint (static checks + one trial render)")
    for code in ("authorization_letter", "progress_report"):
        spec = REGISTRY[code]
        template = builtin_template_bytes(code)
        rate(f"  {code}", max(args.renders // 4, 3), partial(lint, template, spec.context_type))

    if not pdf_available():
        print("PDF: LibreOffice not installed, skipped")
        return
    print("PDF conversion (LibreOffice headless, fresh profile per conversion)")
    docx = render(builtin_template_bytes("one_time_notice"), sample_context("one_time_notice"))
    rate("  one_time_notice, serial", args.pdfs, lambda: to_pdf(docx))
    for workers in (2, 4):
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda _: to_pdf(docx), range(args.pdfs * workers)))
        elapsed = time.perf_counter() - started
        print(f"  one_time_notice, {workers} in parallel{'':<21} {args.pdfs * workers / elapsed:8.2f} /s")


if __name__ == "__main__":
    main()
