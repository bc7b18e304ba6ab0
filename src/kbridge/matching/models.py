from django.db import models
from django.utils.translation import gettext_lazy as _


class Embedding(models.Model):
    """One cached vector, keyed by (model, model version, SHA-256 of the text).

    Written only by background tasks; pages read it and never run the model themselves.
    """

    key = models.CharField(max_length=200, primary_key=True)
    vector = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("embedding")
        verbose_name_plural = _("embeddings")

    def __str__(self) -> str:
        return self.key


class Analysis(models.Model):
    """One document's analysed fields (the BM25 terms of its title, keywords and description),
    keyed by (analyser version, SHA-256 of the fields' text).

    Korean morphological analysis is the expensive part of building an index (about 1 ms a
    document); kept here, a process that starts cold reads 20,000 documents' terms instead of
    analysing them again. A cache: rows can be deleted at any time.
    """

    key = models.CharField(max_length=100, primary_key=True)
    terms = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document analysis")
        verbose_name_plural = _("document analyses")

    def __str__(self) -> str:
        return self.key
