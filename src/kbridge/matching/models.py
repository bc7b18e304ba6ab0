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


class VectorSpace(models.Model):
    """One embedding model's vector space: how to build the model, and what identifies its
    vectors (``name`` and ``version`` are the first two parts of every ``Embedding`` key).

    At most one space is ``serving``: pages read its vectors only. ``spec`` is how a worker
    builds the model again: ``""`` (the packaged default), ``packaged:<name>`` (a model that
    ships inside a package) or a sentence-transformers name or path (``KBRIDGE_EMBEDDING_MODEL``).
    """

    spec = models.CharField(_("model setting"), max_length=1000, blank=True)
    prefix = models.CharField(_("text prefix"), max_length=200, blank=True)
    name = models.CharField(_("model"), max_length=150)
    version = models.CharField(_("version"), max_length=100)
    dim = models.PositiveIntegerField(_("dimensions"))
    max_words = models.PositiveIntegerField()
    serving = models.BooleanField(default=False)
    serving_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vector space")
        verbose_name_plural = _("vector spaces")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="vector_space_identity"),
            models.UniqueConstraint(fields=["serving"], condition=models.Q(serving=True),
                                    name="one_serving_vector_space"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"


class ModelSwitch(models.Model):
    """Re-embedding every document into a new model's space, then serving it.

    ``keys`` are the documents to embed, fixed when the switch starts; batch tasks embed
    ``keys[done:done + batch_size]`` one after another and advance ``done``. When ``done``
    reaches ``total`` the target space becomes the serving one (``matching.services``).
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("Re-embedding")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    spec = models.CharField(_("model setting"), max_length=1000, blank=True)
    prefix = models.CharField(_("text prefix"), max_length=200, blank=True)
    source = models.ForeignKey(VectorSpace, verbose_name=_("serving model"), null=True,
                               blank=True, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(VectorSpace, verbose_name=_("new model"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.RUNNING)
    keys = models.JSONField(default=list)
    batch_size = models.PositiveIntegerField(default=50)
    total = models.PositiveIntegerField(_("documents"), default=0)
    done = models.PositiveIntegerField(_("embedded"), default=0)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("model switch")
        verbose_name_plural = _("model switches")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=models.Q(status="running"),
                                    name="one_running_model_switch"),
        ]

    def __str__(self) -> str:
        return self.spec or "default"

    @property
    def percent(self) -> int:
        """Whole per cent of the documents embedded (100 when there were none)."""
        return 100 if not self.total else min(100, self.done * 100 // self.total)
