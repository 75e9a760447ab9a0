"""Small PDFs for the tests, written with matplotlib's PDF backend (a runtime dependency)."""

from __future__ import annotations

import io


def text_pdf(lines: list[str], *, per_page: int = 40) -> bytes:
    """A PDF with `lines` printed one under another as real text (TrueType fonts, so a PDF
    text library reads them back), `per_page` lines a page; "" leaves a line blank."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    out = io.BytesIO()
    with (
        matplotlib.rc_context({"pdf.fonttype": 42}),
        PdfPages(out, metadata={"CreationDate": None}) as pdf,
    ):
        for first in range(0, max(len(lines), 1), per_page):
            figure = Figure(figsize=(8.27, 11.69))
            for row, line in enumerate(lines[first : first + per_page]):
                figure.text(0.08, 0.95 - row * 0.022, line, fontsize=10)
            pdf.savefig(figure)
    return out.getvalue()


def blank_pdf() -> bytes:
    """A one-page PDF with a drawing and no text (what a scanned report looks like to a text
    library)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4, 4))
    figure.add_axes((0.1, 0.1, 0.8, 0.8)).axis("off")
    figure.patches.append(
        matplotlib.patches.Rectangle((0.2, 0.2), 0.5, 0.5, transform=figure.transFigure)
    )
    out = io.BytesIO()
    figure.savefig(out, format="pdf", metadata={"CreationDate": None})
    return out.getvalue()


def encrypted_pdf(lines: list[str], *, password: str = "secret") -> bytes:
    """`text_pdf(lines)` encrypted with a user password (RC4, which pypdf reads without any
    cryptography library)."""
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(text_pdf(lines))))
    writer.encrypt(password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
