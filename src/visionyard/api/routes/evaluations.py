"""/api/v1/runs/{id}: best epoch, validation results, test runs (queued to a worker) and their results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from anyio import to_thread
from fastapi import APIRouter, Depends, Path, Query, Response, status

from visionyard.api.deps import ContextDep, SessionDep
from visionyard.api.schemas import TestCreate
from visionyard.schemas.evaluations import (
    EvaluationReport,
    RecordPage,
    RunBestEpoch,
    TestComparison,
    TestDetail,
    TestPublic,
    ValidationEpoch,
)
from visionyard.services import evaluations, jobs
from visionyard.storage.evaluation_folder import EvaluationFolder

router = APIRouter(prefix="/api/v1/runs/{run_id}", tags=["evaluation"])
Which = Annotated[str, Path(pattern=r"^(latest|best|\d{1,6})$", description="latest, best or an epoch number")]
Index = Annotated[int, Path(ge=0, le=10_000_000)]
Threshold = Annotated[float | None, Query(ge=0.0, le=1.0, description="detections drawn from this score")]


class Filters:
    """Query parameters that pick and order per-image records."""

    def __init__(
        self,
        correct: bool | None = None,
        class_name: Annotated[str | None, Query(max_length=200)] = None,
        min_confidence: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
        max_confidence: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
        sort: evaluations.SortKey = "index",
        order: Literal["asc", "desc"] = "asc",
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    ):
        self.where = evaluations.RecordFilter(
            correct, class_name, min_confidence, max_confidence, sort, descending=order == "desc"
        )
        self.limit, self.offset = limit, offset

    def page(self, folder: EvaluationFolder) -> RecordPage:
        items, total = evaluations.records(folder, self.where, self.limit, self.offset)
        return RecordPage(items=items, total=total, limit=self.limit, offset=self.offset)


FiltersDep = Annotated[Filters, Depends()]


def png(data: bytes) -> Response:
    return Response(content=data, media_type="image/png", headers={"Cache-Control": "private, max-age=60"})


@router.get("/best-epoch")
def best_epoch(run_id: str, session: SessionDep) -> RunBestEpoch:
    """The epoch the run's monitored metric liked best, with all its metrics."""
    return evaluations.best_epoch(session, run_id)


@router.get("/validation")
def list_validations(run_id: str, ctx: ContextDep, session: SessionDep) -> list[ValidationEpoch]:
    """Validation epochs with detailed results kept (the latest and the best)."""
    return evaluations.list_validations(ctx, session, run_id)


@router.get("/validation/{which}")
def validation_report(run_id: str, which: Which, ctx: ContextDep, session: SessionDep) -> EvaluationReport:
    """Metrics, per-class table, confusion matrix, curves and histograms of one validation."""
    return evaluations.validation_report(ctx, session, run_id, which)


@router.post("/tests", status_code=status.HTTP_202_ACCEPTED)
async def create_test(run_id: str, body: TestCreate, ctx: ContextDep) -> TestPublic:
    """Queue a test run: a checkpoint evaluated on a dataset split, in a worker process."""
    job = await to_thread.run_sync(jobs.create_test, ctx, run_id, jobs.TestSpec(**body.model_dump()))
    return evaluations.test_public(job)


@router.get("/tests")
def list_tests(run_id: str, session: SessionDep) -> list[TestPublic]:
    return [evaluations.test_public(job) for job in jobs.list_jobs(session, run_id, "test")]


@router.get("/tests/compare")
def compare_tests(
    run_id: str,
    ctx: ContextDep,
    session: SessionDep,
    ids: Annotated[list[str], Query(min_length=1, max_length=20, description="test ids, the first is the base")],
) -> TestComparison:
    """Completed tests side by side: each metric per test and its change from the first."""
    return evaluations.compare(ctx, session, run_id, ids)


@router.get("/tests/{test_id}")
def get_test(run_id: str, test_id: str, ctx: ContextDep, session: SessionDep) -> TestDetail:
    """The test's status and metrics; its full report once completed."""
    return evaluations.test_detail(ctx, session, run_id, test_id)


@router.delete("/tests/{test_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_test(run_id: str, test_id: str, ctx: ContextDep) -> Response:
    jobs.delete_job(ctx, run_id, test_id, "test")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/tests/{test_id}/download", response_class=Response)
def download_test(
    run_id: str, test_id: str, ctx: ContextDep, session: SessionDep, format: Literal["csv", "json"] = "json"
) -> Response:
    """Per-image results as CSV, or the report with every record as JSON."""
    data = evaluations.download(evaluations.test_folder(ctx, session, run_id, test_id), format)
    media = "text/csv" if format == "csv" else "application/json"
    disposition = f'attachment; filename="test-{test_id}.{format}"'
    return Response(content=data, media_type=media, headers={"Content-Disposition": disposition})


def _validation(run_id: str, which: Which, ctx: ContextDep, session: SessionDep) -> EvaluationFolder:
    return evaluations.validation_folder(ctx, session, run_id, which)


def _test(run_id: str, test_id: str, ctx: ContextDep, session: SessionDep) -> EvaluationFolder:
    return evaluations.test_folder(ctx, session, run_id, test_id)


def _browse(prefix: str, folder_of: Callable[..., EvaluationFolder]) -> None:
    """The per-image routes of one kind of evaluation (a validation epoch, a test run)."""
    of = Depends(folder_of)

    @router.get(f"{prefix}/images")
    def images(filters: FiltersDep, folder: EvaluationFolder = of) -> RecordPage:
        """Per-image results, filtered (correct, class, confidence range), sorted and paginated."""
        return filters.page(folder)

    @router.get(f"{prefix}/images/{{index}}/render", response_class=Response)
    def render(
        run_id: str,
        index: Index,
        ctx: ContextDep,
        session: SessionDep,
        folder: EvaluationFolder = of,
        score_threshold: Threshold = None,
    ) -> Response:
        """PNG: the image with its ground truth beside the prediction."""
        return png(evaluations.render(ctx, session, run_id, folder, index, score_threshold))

    @router.get(f"{prefix}/images/{{index}}/files/{{part}}", response_class=Response)
    def image_part(
        run_id: str,
        index: Index,
        part: evaluations.ImagePart,
        ctx: ContextDep,
        session: SessionDep,
        folder: EvaluationFolder = of,
    ) -> Response:
        """PNG: the image as it is (``image``, ``before``) or a mask of class indices (``truth_mask``, ``mask``)."""
        return png(evaluations.image_part(ctx, session, run_id, folder, index, part))


_browse("/validation/{which}", _validation)
_browse("/tests/{test_id}", _test)
