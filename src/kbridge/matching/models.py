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
