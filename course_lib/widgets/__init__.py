"""Widgets of the course, all built on one mechanism (:mod:`course_lib.widgets.frames`).

Each chapter's widgets live in a module of their own; every one of them is a
:class:`~course_lib.widgets.frames.FrameWidget`, so it works on the static website
with no kernel.
"""

from course_lib.widgets.frames import Control, FrameWidget, figure_png, frame_widget

__all__ = ["Control", "FrameWidget", "figure_png", "frame_widget"]
