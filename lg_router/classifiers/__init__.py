"""Classifiers: ``learned`` (default), ``rules`` (both offline), ``llm`` (structured output), ``hybrid``."""

from lg_router.classifiers.base import Classifier
from lg_router.classifiers.hybrid import HybridClassifier
from lg_router.classifiers.learned import LearnedClassifier
from lg_router.classifiers.llm import LLMClassifier
from lg_router.classifiers.rules import RulesClassifier

__all__ = ["Classifier", "HybridClassifier", "LLMClassifier", "LearnedClassifier", "RulesClassifier"]
