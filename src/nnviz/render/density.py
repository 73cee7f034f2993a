"""Huge bundles of links drawn as one density image instead of millions of lines.

Between two columns of ``a`` and ``b`` neurons, all-to-all, lie ``a × b`` links (a 1000-1000
pair: a million). Drawn one by one they take minutes and show a solid band. Here each column of
pixels between the two layers gets the number of links crossing each of its pixels, exactly: at
the fraction ``t`` of the way, a link from ``y_i`` to ``y_j`` passes ``(1 - t) y_i + t y_j``, so
the counts are the convolution of the two layers' histograms (numpy's FFT, all columns at once).
The shade grows with the logarithm of the count, so the fan's structure stays readable.
numpy only (pillow encodes the PNG for SVG files): no matplotlib.

>>> import numpy as np
>>> from nnviz.scene import LinkSet
>>> src = np.array([[0.0, 0.0], [0.0, 10.0]]); dst = np.array([[20.0, 0.0], [20.0, 10.0]])
>>> seg = np.stack([np.repeat(src, 2, axis=0), np.tile(dst, (2, 1))], axis=1)
>>> img, (x0, x1, y0, y1) = density_image(LinkSet("a", "b", seg, dense=True), "#6baed6")
>>> img.shape[1], (x0, x1)
(40, (0.0, 20.0))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..scene import LinkSet

__all__ = ["density_image", "density_counts", "density_png", "PIXELS_PER_POINT", "MAX_ALPHA"]

PIXELS_PER_POINT = 2.0
MAX_ALPHA = 0.85
_MAX_PIXELS = 4_000_000


def _ends(segments: Any) -> tuple[Any, Any]:
    """The two columns' points of an all-to-all bundle (``repeat(src) × tile(dst)``)."""
    import numpy as np

    first = segments[:, 0]
    change = np.flatnonzero(np.any(first != first[0], axis=1))
    m = int(change[0]) if len(change) else len(segments)
    return first[::m], segments[:m, 1]


def density_image(links: "LinkSet", color: str) -> tuple[Any, tuple[float, float, float, float]]:
    """An RGBA image (rows top to bottom) of how many links cross each pixel, and its extent.

    Args:
        links: an all-to-all bundle between two columns of neurons.
        color: the colour of the links.

    Returns:
        ``(image, (x0, x1, y0, y1))``: a ``uint8`` array of shape (rows, columns, 4), and where it
        lies in scene points (``y0`` the top).
    """
    import numpy as np

    counts, extent = density_counts(links)
    peak = counts.max()
    alpha = MAX_ALPHA * np.log1p(counts) / np.log1p(peak) if peak > 0 else counts
    c = color.lstrip("#")
    image = np.zeros(counts.shape + (4,), dtype=np.uint8)
    image[..., :3] = [int(c[k:k + 2], 16) for k in (0, 2, 4)]
    image[..., 3] = np.rint(alpha * 255).astype(np.uint8)
    return image, extent


def density_counts(links: "LinkSet") -> tuple[Any, tuple[float, float, float, float]]:
    """How many links cross each pixel (rows top to bottom), and the extent as in :func:`density_image`."""
    import numpy as np

    segments = np.asarray(links.segments, dtype=float)
    src, dst = _ends(segments)
    lr = bool(np.ptp(src[:, 0]) < 1e-9 and np.ptp(dst[:, 0]) < 1e-9)  # columns stand upright: flow is x
    flow, cross = (0, 1) if lr else (1, 0)
    fa, fb = float(src[0, flow]), float(dst[0, flow])
    ca, cb = src[:, cross], dst[:, cross]
    lo = float(min(ca.min(), cb.min())) - 1.0
    hi = float(max(ca.max(), cb.max())) + 1.0
    span = abs(fb - fa)
    ppu = PIXELS_PER_POINT
    while span * ppu * (hi - lo) * ppu > _MAX_PIXELS and ppu > 0.25:
        ppu /= 2
    width, height = max(1, int(round(span * ppu))), max(1, int(round((hi - lo) * ppu)))
    t = (np.arange(width) + 0.5) / width
    if fb < fa:
        t = t[::-1]
    ha = _histograms(np.outer(1 - t, ca - lo) * ppu, height)
    hb = _histograms(np.outer(t, cb - lo) * ppu, height)
    n = 1 << int(np.ceil(np.log2(2 * height)))
    counts = np.fft.irfft(np.fft.rfft(ha, n) * np.fft.rfft(hb, n), n)[:, :height]
    counts = np.clip(np.rint(counts), 0, None)  # per flow step (rows), per cross pixel (columns)
    x0, x1 = min(fa, fb), max(fa, fb)
    if lr:  # the image's rows are the cross axis (y), its columns the flow (x)
        return counts.T.copy(), (x0, x1, lo, hi)
    return counts, (lo, hi, x0, x1)


def _histograms(positions: Any, bins: int) -> Any:
    """Per row of ``positions`` (pixel units), the count per pixel."""
    import numpy as np

    rows, cols = positions.shape
    index = np.clip(positions.astype(np.int64), 0, bins - 1) + (np.arange(rows) * bins)[:, None]
    return np.bincount(index.ravel(), minlength=rows * bins).reshape(rows, bins).astype(float)


def density_png(image: Any) -> bytes:
    """The image as PNG bytes (pillow)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image, "RGBA").save(buf, format="PNG")
    return buf.getvalue()
