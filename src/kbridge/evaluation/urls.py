"""Evaluation URLs: each area's view module holds its own ``urlpatterns``.

/manage/evaluation/…  operators (stages, rubric, pool, conflicts, assignment, ranking)
/evaluate/…           evaluators (pledge, conflicts, assigned applications, scoresheets)
/applications/<id>/evaluation/…  applicants (challenge, reasons and their rating)
"""

from kbridge.evaluation.views import assignment, pool, ranking, scoring, stages

app_name = "evaluation"

urlpatterns = [
    *stages.urlpatterns,
    *pool.urlpatterns,
    *assignment.urlpatterns,
    *scoring.urlpatterns,
    *ranking.urlpatterns,
]
