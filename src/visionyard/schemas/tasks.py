"""Response body of the task list: what the UI needs of each task to draw its data and answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from visionyard.common.tasks import TaskSpec


class TaskInfo(BaseModel):
    name: str
    title: str
    target: Literal["label", "boxes", "mask", "change", "instances"] = Field(
        description="what its truth and predictions are: a class, boxes, a class-index mask, a change mask, "
        "or objects with a box and a mask each"
    )
    headline: str = Field(description="the validation metric it is judged by")
    formats: list[str] = Field(description="the dataset formats that hold its annotations")
    inputs: list[str] = Field(description="the images of one sample, in order (the predict form's field names)")
    fixed_classes: list[str] | None

    @classmethod
    def of(cls, spec: TaskSpec) -> TaskInfo:
        return cls.model_validate({**spec.as_dict(), "fixed_classes": spec.fixed_classes})


class TaskList(BaseModel):
    items: list[TaskInfo]
