"""Classifiers: ``semantic`` (with its extra), ``learned``, ``rules`` (offline), ``llm``, ``hybrid``."""

from lg_router.classifiers.base import Classifier
from lg_router.classifiers.hybrid import HybridClassifier
from lg_router.classifiers.learned import LearnedClassifier
from lg_router.classifiers.llm import LLMClassifier
from lg_router.classifiers.rules import RulesClassifier
from lg_router.classifiers.semantic import SemanticClassifier

__all__ = [
    "Classifier",
    "HybridClassifier",
    "LLMClassifier",
    "LearnedClassifier",
    "RulesClassifier",
    "SemanticClassifier",
]
