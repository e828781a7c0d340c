"""An optional adapter from an open_clip model to eotext's encoder callables.

eotext does not depend on torch or open_clip (an unpinned torch pulls a multi-GB CUDA build);
this module imports them only when an encoder is created, and says how to install them when
they are absent::

    encoder = OpenClipEncoder("ViT-B-32", pretrained="laion2b_s34b_b79k")
    classifier = build_classifier(classnames, encoder.encode_text)
    scores = score_zero_shot(encoder.encode_images(paths), labels, classifier)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from eotext.errors import MissingDependencyError

_INSTALL = (
    "the open_clip adapter needs torch and open_clip_torch, which eotext does not install: "
    "install a CPU or CUDA build of torch for your machine, then pip install open_clip_torch"
)


class OpenClipEncoder:
    """Embeds texts and image files with an open_clip model (normalised rows, numpy out).

    Args:
        model_name: open_clip architecture, e.g. ``ViT-B-32``.
        pretrained: a pretrained tag or a checkpoint path (SkyScript's ``.pt`` files work).
        device: torch device.
        batch_size: items embedded at once.

    Raises:
        MissingDependencyError: torch or open_clip is not installed.
    """

    def __init__(
        self,
        model_name: str,
        pretrained: str | None = None,
        device: str = "cpu",
        batch_size: int = 64,
    ) -> None:
        try:
            import open_clip
            import torch
        except ImportError as exc:
            raise MissingDependencyError(f"{_INSTALL} ({exc})") from None
        self._torch: Any = torch
        model, _, preprocess = open_clip.create_model_and_transforms(
            model_name, pretrained=pretrained, device=device
        )
        self._model: Any = model.eval()
        self._preprocess: Any = preprocess
        self._tokenizer: Any = open_clip.get_tokenizer(model_name)
        self._device = device
        self._batch = batch_size

    def encode_text(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """(texts, dim) unit-norm text embeddings."""
        rows = []
        with self._torch.no_grad():
            for start in range(0, len(texts), self._batch):
                tokens = self._tokenizer(list(texts[start : start + self._batch]))
                rows.append(self._model.encode_text(tokens.to(self._device), normalize=True))
        return self._torch.cat(rows).float().cpu().numpy()  # type: ignore[no-any-return]

    def encode_images(self, paths: Sequence[str | Path]) -> NDArray[np.float32]:
        """(images, dim) unit-norm image embeddings of image files (RGB)."""
        from PIL import Image

        rows = []
        with self._torch.no_grad():
            for start in range(0, len(paths), self._batch):
                batch = [
                    self._preprocess(Image.open(p).convert("RGB"))
                    for p in paths[start : start + self._batch]
                ]
                pixels = self._torch.stack(batch).to(self._device)
                rows.append(self._model.encode_image(pixels, normalize=True))
        return self._torch.cat(rows).float().cpu().numpy()  # type: ignore[no-any-return]
