"""One mechanism for every widget of the course: controls that switch between frames rendered ahead of time.

A plotting function and a grid of control values become a widget whose figure is
one frame per combination of values (an ``<img>`` with its alt text, in an
``ipywidgets.HTML``), held in nested ``ipywidgets.Stack`` containers. Each control is tied to the stacks of its level by
``widgets.jslink`` (which runs in the browser), so on the static website, with no
kernel, moving a slider or picking from a dropdown switches frames at once. In a
live kernel the same link is also made in Python, so setting a control from code
(or from a test) changes what is shown too.

    w = frame_widget(draw, [Control("lr", [0.1, 0.5, 0.9]), Control("momentum", [0, 0.9])])
    w.set(lr=0.5)        # from code, as a reader would with the slider
    w.frame              # PNG bytes now shown; w.frame_for(lr=0.5, momentum=0) renders it afresh

``draw(fig, **values)`` draws on an empty figure; ``compute(**values)`` (optional)
returns the numbers the frame shows, for tests and for readers to inspect as
``w.result``; ``describe(**values)`` says in words what the frame shows, from those
numbers: the frame's alt text, what a screen reader reads ("gradient descent on x²,
learning rate 0.9: the iterates overshoot and converge"). Without it the alt text
only names the control values.

When the choices are independent items over one picture (optimizers racing on one surface), a
:class:`LayeredWidget` composes instead of multiplying: one background per value of the shared
controls, and over it one transparent :class:`Layer` per item, each with its own controls and an
on/off switch, stacked in one CSS grid cell (``layered_widget``).

Frames are drawn at ``scale`` (2) times the pixels they are shown with, so they stay
sharp on high-DPI screens: a figure of ``figsize`` inches is shown ``dpi`` CSS pixels
per inch wide (and never wider than its column), every text raised to at least
``plots.MIN_TEXT_PX`` (10) pixels as shown.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import numpy as np
from ipywidgets.widgets.widget_string import HTMLStyle

from course_lib.plots import MIN_TEXT_PX, figure_png

__all__ = ["Control", "FrameWidget", "frame_widget", "figure_png", "frame_img", "Layer", "LayeredWidget",
           "layered_widget", "composite"]


@dataclass(frozen=True)
class Control:
    """A control of a frame widget: its parameter name, its values, how it looks.

    ``kind``: "slider" (default for numbers), "dropdown" (default for anything else)
    or "toggle". ``labels`` are what the reader sees for each value (default: the value
    formatted with ``fmt``). ``default`` is the value shown first (default: the first).
    """

    name: str
    values: Sequence[Any]
    kind: str | None = None
    description: str | None = None
    labels: Sequence[str] | None = None
    default: Any = None
    fmt: str = "{:g}"

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"Invalid name: {self.name!r} (a control's name must be a Python identifier)")
        values = list(self.values)
        if not values:
            raise ValueError(f"Invalid values for control {self.name!r}: the list is empty")
        if self.kind not in (None, "slider", "dropdown", "toggle"):
            raise ValueError(f"Invalid kind: {self.kind!r} (expected 'slider', 'dropdown' or 'toggle')")
        if self.labels is not None and len(self.labels) != len(values):
            raise ValueError(f"labels for control {self.name!r} must have one entry per value "
                             f"({len(self.labels)} labels for {len(values)} values)")
        if self.default is not None and self.index_of(self.default) is None:
            raise ValueError(f"Invalid default for control {self.name!r}: {self.default!r} is not one of {values}")

    @property
    def widget_kind(self) -> str:
        if self.kind:
            return self.kind
        numeric = all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                      for v in self.values)
        return "slider" if numeric else "dropdown"

    def label_list(self) -> list[str]:
        if self.labels is not None:
            return [str(s) for s in self.labels]
        out = []
        for v in self.values:
            try:
                out.append(self.fmt.format(v))
            except (ValueError, TypeError):
                out.append(str(v))
        if len(set(out)) != len(out):
            out = [str(v) for v in self.values]
        return out

    def index_of(self, value) -> int | None:
        for i, v in enumerate(self.values):
            if v == value or (isinstance(v, float) and isinstance(value, (int, float)) and np.isclose(v, value)):
                return i
        return None

    def make(self) -> widgets.Widget:
        options = list(zip(self.label_list(), range(len(self.values))))
        index = 0 if self.default is None else self.index_of(self.default)
        desc = self.description if self.description is not None else self.name
        style = {"description_width": "initial"}
        layout = widgets.Layout(width="min(100%, 30em)")
        kind = self.widget_kind
        if kind == "slider":
            w = widgets.SelectionSlider(options=options, index=index, description=desc, continuous_update=True,
                                        style=style, layout=layout)
        elif kind == "toggle":
            w = widgets.ToggleButtons(options=options, index=index, description=desc, style=style)
        else:
            w = widgets.Dropdown(options=options, index=index, description=desc, style=style, layout=layout)
        return w


def frame_img(png: bytes, alt: str, scale: int = 2) -> str:
    """An ``<img>`` of a PNG frame with its alt text, shown at ``1/scale`` of its pixels and never wider than its
    column (the same markup in Jupyter, on Colab and on the website)."""
    from PIL import Image

    width, height = Image.open(io.BytesIO(png)).size
    src = "data:image/png;base64," + base64.b64encode(png).decode()
    return (f'<img class="widget-image descent-frame" src="{src}" alt="{html.escape(alt)}" '
            f'width="{round(width / scale)}" height="{round(height / scale)}" '
            f'style="max-width:100%;height:auto">')


class FrameWidget(widgets.VBox):
    """Controls above a figure whose frames were all rendered ahead of time (see the module docstring)."""

    def __init__(self, draw: Callable[..., Any], controls: Sequence[Control], *,
                 compute: Callable[..., Any] | None = None, describe: Callable[..., str] | None = None,
                 title: str = "", figsize=(6.4, 4.0), dpi: float = 72, scale: int = 2, colors: int = 64):
        controls = list(controls)
        if not controls:
            raise ValueError("controls must name at least one Control")
        names = [c.name for c in controls]
        if len(set(names)) != len(names):
            raise ValueError(f"controls must have distinct names, got {names}")
        if not isinstance(scale, int) or scale < 1:
            raise ValueError(f"Invalid scale: {scale!r} (expected an int >= 1: pixels per displayed pixel)")
        if not isinstance(dpi, (int, float)) or dpi <= 0:
            raise ValueError(f"Invalid dpi: {dpi!r} (expected a positive number of CSS pixels per inch)")
        if describe is not None and not callable(describe):
            raise ValueError(f"Invalid describe: {describe!r} (expected a function of the control values)")
        self.controls = controls
        self.draw_fn, self.compute_fn, self.describe_fn = draw, compute, describe
        self.title, self.figsize, self.dpi, self.scale, self.colors = title, tuple(figsize), dpi, scale, colors
        self.control_widgets = {c.name: c.make() for c in controls}
        self._frames: dict[tuple[int, ...], bytes] = {}
        self._alts: dict[tuple[int, ...], str] = {}
        for combo in itertools.product(*(range(len(c.values)) for c in controls)):
            values = self._values_at(combo)
            self._frames[combo] = self.render(**values)
            self._alts[combo] = self.describe(**values)
        self._levels: list[list[widgets.Stack]] = [[] for _ in controls]
        self.display = self._build(())
        self._links = []
        for level, control in enumerate(controls):
            cw = self.control_widgets[control.name]
            for stack in self._levels[level]:
                self._links.append(widgets.jslink((cw, "index"), (stack, "selected_index")))
            cw.observe(self._on_change(level), names="index")
        boxes = [self.control_widgets[n] for n in names]
        children = ([widgets.HTML(f"<b>{title}</b>")] if title else []) + boxes + [self.display]
        super().__init__(children=children)

    # --- construction -----------------------------------------------------------------------------
    def _values_at(self, combo: tuple[int, ...]) -> dict[str, Any]:
        return {c.name: c.values[i] for c, i in zip(self.controls, combo)}

    def _build(self, prefix: tuple[int, ...]) -> widgets.Widget:
        level = len(prefix)
        if level == len(self.controls):
            return widgets.HTML(frame_img(self._frames[prefix], self._alts[prefix], self.scale),
                                layout=widgets.Layout(max_width="100%"))
        control = self.controls[level]
        children = [self._build(prefix + (i,)) for i in range(len(control.values))]
        stack = widgets.Stack(children=children, selected_index=self.control_widgets[control.name].index)
        self._levels[level].append(stack)
        return stack

    def _on_change(self, level: int):
        def update(change):
            for stack in self._levels[level]:
                stack.selected_index = change["new"]
        return update

    # --- what readers and tests use ---------------------------------------------------------------
    def render(self, **values) -> bytes:
        """Draw the frame for ``values`` afresh (what every stored frame was made with)."""
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=self.figsize, dpi=self.dpi)
        try:
            self.draw_fn(fig, **values)
            return figure_png(fig, dpi=self.dpi * self.scale, colors=self.colors, min_pt=MIN_TEXT_PX * 72 / self.dpi)
        finally:
            plt.close(fig)

    def describe(self, **values) -> str:
        """What the frame for ``values`` shows, in words: its alt text."""
        named = ", ".join(f"{c.description if c.description is not None else c.name} "
                          f"{c.label_list()[c.index_of(values[c.name])]}" for c in self.controls)
        if self.describe_fn is None:
            return f"{self.title or 'Figure'}: {named}."
        text = self.describe_fn(**values)
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"describe({named}) returned {text!r}: expected a sentence saying what the frame shows")
        return text
    @property
    def index(self) -> tuple[int, ...]:
        return tuple(self.control_widgets[c.name].index for c in self.controls)

    @property
    def values(self) -> dict[str, Any]:
        """The current value of every control."""
        return self._values_at(self.index)

    def set(self, **values) -> FrameWidget:
        """Move controls to these values, as a reader would."""
        return _move_controls(self, values)

    @property
    def shown(self) -> widgets.HTML:
        """The frame widget currently visible (following each level's selected stack)."""
        node = self.display
        while isinstance(node, widgets.Stack):
            node = node.children[node.selected_index]
        return node

    @property
    def frame(self) -> bytes:
        """The PNG bytes currently shown."""
        src = self.shown.value.split('src="data:image/png;base64,', 1)[1].split('"', 1)[0]
        return base64.b64decode(src)

    @property
    def alt(self) -> str:
        """The alt text of the frame currently shown."""
        return html.unescape(self.shown.value.split(' alt="', 1)[1].split('"', 1)[0])

    def alt_for(self, **values) -> str:
        """The stored alt text for these values (the others as currently set)."""
        return self._alts[self._combo(values)]
    def frame_for(self, **values) -> bytes:
        """The stored frame for these values (raises for values not on the grid)."""
        return self._frames[self._combo(values)]

    def _combo(self, values) -> tuple[int, ...]:
        combo = []
        for c in self.controls:
            i = c.index_of(values[c.name]) if c.name in values else self.control_widgets[c.name].index
            if i is None:
                raise ValueError(f"Invalid value for {c.name}: {values[c.name]!r}")
            combo.append(i)
        return tuple(combo)

    @property
    def result(self) -> Any:
        """What ``compute`` returns for the current values (None without ``compute``)."""
        return None if self.compute_fn is None else self.compute_fn(**self.values)

    @property
    def n_frames(self) -> int:
        return len(self._frames)

    @property
    def nbytes(self) -> int:
        return sum(len(f) for f in self._frames.values())

    def __repr__(self) -> str:
        grid = " × ".join(f"{c.name}[{len(c.values)}]" for c in self.controls)
        name = f"{self.title}: " if self.title else ""
        return f"FrameWidget({name}{grid}, {self.n_frames} frames)"


def frame_widget(draw: Callable[..., Any], controls: Sequence[Control], **kwargs) -> FrameWidget:
    """Build a :class:`FrameWidget` (see the module docstring)."""
    return FrameWidget(draw, controls, **kwargs)


# --- layers: choices that add up ------------------------------------------------------------------------------
#
# A FrameWidget stores one frame per combination of its controls, so every control multiplies the frames. A
# LayeredWidget draws one opaque background per combination of its shared controls and, over it, one
# transparent layer per item (an optimizer, a curve), each with its own controls and an on/off switch: the
# layers are stacked in one CSS grid cell, so the frames add up over the layers instead of multiplying.


@dataclass(frozen=True)
class Layer:
    """One transparent layer of a :class:`LayeredWidget`, drawn over the background, with controls of its own.

    ``draw(fig, **shared, **own)`` draws on an empty figure the size of the background (the mechanism makes the
    figure's and the axes' backgrounds transparent); ``describe(**shared, **own)`` says in words what the layer
    shows (its alt text); ``compute(**shared, **own)`` (optional) returns the numbers it shows. ``label`` names
    the layer beside its on/off switch; ``on``: shown at first.
    """

    name: str
    draw: Callable[..., Any]
    controls: Sequence[Control] = ()
    describe: Callable[..., str] | None = None
    compute: Callable[..., Any] | None = None
    label: str | None = None
    on: bool = True

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"Invalid layer name: {self.name!r} (a layer's name must be a Python identifier)")
        if not callable(self.draw):
            raise ValueError(f"Invalid draw for layer {self.name!r}: {self.draw!r} (expected a function)")
        if any(not isinstance(c, Control) for c in self.controls):
            raise ValueError(f"Invalid controls for layer {self.name!r}: expected Control objects")

    @property
    def switch(self) -> Control:
        """The layer's on/off control, named ``<name>_on``."""
        return Control(f"{self.name}_on", [False, True], kind="toggle", labels=["off", "on"],
                       description=self.label or self.name, default=bool(self.on))


def _named(controls: Sequence[Control], values: dict[str, Any]) -> str:
    return ", ".join(f"{c.description if c.description is not None else c.name} "
                     f"{c.label_list()[c.index_of(values[c.name])]}" for c in controls)


class LayeredWidget(widgets.VBox):
    """Shared controls and one row of controls per layer, above a background with the layers laid over it.

    Every image was rendered ahead of time: one background per combination of the shared ``controls`` and, for
    each layer, one transparent image per combination of the shared controls and its own. On the website (no
    kernel) ``jslink`` ties each control to its stacks, and each layer's switch to a stack that shows the layer
    or nothing; the background and the layers sit in one cell of a CSS grid, so they are drawn on top of each
    other. A screen reader reads the background's alt text, then each visible layer's.

        w = layered_widget(draw_background, [Control("surface", ["ravine", "saddle"])],
                           [Layer("adam", draw_adam, [Control("adam_lr", [0.01, 0.1])], describe=...)])
        w.set(surface="saddle", adam_lr=0.1, adam_on=True)
        w.frames, w.alts     # the PNG images shown (background first) and their alt texts
        w.frame              # those images composited into one PNG, as the reader sees them
    """

    def __init__(self, draw: Callable[..., Any], controls: Sequence[Control], layers: Sequence[Layer], *,
                 describe: Callable[..., str] | None = None, title: str = "", figsize=(6.4, 4.0), dpi: float = 72,
                 scale: int = 2, colors: int = 64, layer_colors: int = 16):
        controls, layers = list(controls), list(layers)
        if not layers:
            raise ValueError("layers must name at least one Layer")
        if any(not isinstance(layer, Layer) for layer in layers):
            raise ValueError("layers must be Layer objects")
        if len({layer.name for layer in layers}) != len(layers):
            raise ValueError(f"layers must have distinct names, got {[layer.name for layer in layers]}")
        if not isinstance(scale, int) or scale < 1:
            raise ValueError(f"Invalid scale: {scale!r} (expected an int >= 1: pixels per displayed pixel)")
        if not isinstance(dpi, (int, float)) or dpi <= 0:
            raise ValueError(f"Invalid dpi: {dpi!r} (expected a positive number of CSS pixels per inch)")
        if not callable(draw):
            raise ValueError(f"Invalid draw: {draw!r} (expected a function that draws the background)")
        self.shared = controls
        self.layers = layers
        self.controls = controls + [c for layer in layers for c in (layer.switch, *layer.controls)]
        names = [c.name for c in self.controls]
        if len(set(names)) != len(names):
            raise ValueError(f"controls (shared, layers' own and their switches <name>_on) must have distinct "
                             f"names, got {names}")
        self.draw_fn, self.describe_fn = draw, describe
        self.title, self.figsize, self.dpi, self.scale = title, tuple(figsize), dpi, scale
        self.colors, self.layer_colors = colors, layer_colors
        self.control_widgets = {c.name: c.make() for c in self.controls}
        self._stacks: dict[str, list[widgets.Stack]] = {name: [] for name in names}

        self._background: dict[tuple[int, ...], tuple[bytes, str]] = {}
        for combo in itertools.product(*(range(len(c.values)) for c in controls)):
            values = self._values(controls, combo)
            self._background[combo] = (self._render(draw, values, transparent=False),
                                       self._describe(describe, controls, values))
        self._layer_frames: dict[str, dict[tuple[int, ...], tuple[bytes, str]]] = {}
        for layer in layers:
            own = controls + list(layer.controls)
            frames = {}
            for combo in itertools.product(*(range(len(c.values)) for c in own)):
                values = self._values(own, combo)
                frames[combo] = (self._render(layer.draw, values, transparent=True),
                                 self._describe(layer.describe, own, values, layer.label or layer.name))
            self._layer_frames[layer.name] = frames

        width = round(self.figsize[0] * self.dpi)
        # One Layout and one style shared by the many images and stacks: each of its own would add about 1.5 kB
        # of saved widget state per image to the page. Everything in the grid sits in its one cell.
        self._cell = widgets.Layout(grid_area="1 / 1 / 2 / 2", max_width="100%")
        self._leaf, self._inner, self._style = widgets.Layout(max_width="100%"), widgets.Layout(), HTMLStyle()
        children = [self._tree(self._background, controls, (), self._cell)]
        self._switch_stacks: dict[str, widgets.Stack] = {}
        for layer in layers:
            inner = self._tree(self._layer_frames[layer.name], controls + list(layer.controls), (), self._inner)
            outer = widgets.Stack(children=[widgets.HTML("", layout=self._leaf, style=self._style), inner],
                                  selected_index=self.control_widgets[layer.switch.name].index, layout=self._cell)
            self._stacks[layer.switch.name].append(outer)
            self._switch_stacks[layer.name] = outer
            children.append(outer)
        self.display = widgets.GridBox(children=children, layout=widgets.Layout(
            grid_template_columns=f"minmax(0, {width}px)", grid_template_rows="auto", max_width="100%"))
        self._links = []
        for name, stacks in self._stacks.items():
            cw = self.control_widgets[name]
            for stack in stacks:
                self._links.append(widgets.jslink((cw, "index"), (stack, "selected_index")))
            cw.observe(self._on_change(name), names="index")
        rows = [self.control_widgets[c.name] for c in controls]
        for layer in layers:
            rows.append(widgets.HBox([self.control_widgets[c.name] for c in (layer.switch, *layer.controls)],
                                     layout=widgets.Layout(flex_flow="row wrap", align_items="center",
                                                           max_width="100%")))
        super().__init__(children=([widgets.HTML(f"<b>{title}</b>")] if title else []) + rows + [self.display])

    # --- construction -----------------------------------------------------------------------------
    @staticmethod
    def _values(controls: Sequence[Control], combo: tuple[int, ...]) -> dict[str, Any]:
        return {c.name: c.values[i] for c, i in zip(controls, combo)}

    def _describe(self, fn, controls, values, name: str | None = None) -> str:
        if fn is None:
            return f"{name or self.title or 'Figure'}: {_named(controls, values)}."
        text = fn(**values)
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"describe({_named(controls, values)}) returned {text!r}: expected a sentence saying "
                             f"what the image shows")
        return text

    def _render(self, draw, values: dict[str, Any], *, transparent: bool) -> bytes:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=self.figsize, dpi=self.dpi)
        try:
            if transparent:
                fig.patch.set_alpha(0.0)
            draw(fig, **values)
            if transparent:
                for ax in fig.axes:
                    ax.patch.set_visible(False)
            return figure_png(fig, dpi=self.dpi * self.scale, colors=self.layer_colors if transparent else self.colors,
                              min_pt=MIN_TEXT_PX * 72 / self.dpi, transparent=transparent)
        finally:
            plt.close(fig)

    def _tree(self, frames, controls, prefix: tuple[int, ...], layout: widgets.Layout) -> widgets.Widget:
        level = len(prefix)
        if level == len(controls):
            png, alt = frames[prefix]
            return widgets.HTML(frame_img(png, alt, self.scale), style=self._style,
                                layout=self._cell if layout is self._cell else self._leaf)
        control = controls[level]
        children = [self._tree(frames, controls, prefix + (i,), self._inner) for i in range(len(control.values))]
        stack = widgets.Stack(children=children, selected_index=self.control_widgets[control.name].index,
                              layout=layout)
        self._stacks[control.name].append(stack)
        return stack

    def _on_change(self, name: str):
        def update(change):
            for stack in self._stacks[name]:
                stack.selected_index = change["new"]
        return update

    # --- what readers and tests use ---------------------------------------------------------------
    def _combo(self, controls: Sequence[Control], values: dict[str, Any]) -> tuple[int, ...]:
        combo = []
        for c in controls:
            i = c.index_of(values[c.name]) if c.name in values else self.control_widgets[c.name].index
            if i is None:
                raise ValueError(f"Invalid value for {c.name}: {values[c.name]!r} "
                                 f"(the frames were rendered for {list(c.values)})")
            combo.append(i)
        return tuple(combo)

    @property
    def values(self) -> dict[str, Any]:
        """The current value of every control (shared, then each layer's switch and own controls)."""
        return {c.name: c.values[self.control_widgets[c.name].index] for c in self.controls}

    def set(self, **values) -> LayeredWidget:
        """Move controls to these values, as a reader would (``<layer>_on=True`` switches a layer on)."""
        return _move_controls(self, values)

    def _on_layers(self, values: dict[str, Any]) -> list[Layer]:
        return [layer for layer in self.layers
                if (values[layer.switch.name] if layer.switch.name in values else self.values[layer.switch.name])]

    def _stored(self, values: dict[str, Any]) -> list[tuple[bytes, str]]:
        out = [self._background[self._combo(self.shared, values)]]
        for layer in self._on_layers(values):
            out.append(self._layer_frames[layer.name][self._combo(self.shared + list(layer.controls), values)])
        return out

    @property
    def shown(self) -> list[widgets.HTML]:
        """The images currently visible, following every stack's selection: the background, then each layer
        switched on."""
        out = []
        for child in self.display.children:
            node = child
            while isinstance(node, widgets.Stack):
                node = node.children[node.selected_index]
            if 'src="data:image/png' in node.value:
                out.append(node)
        return out

    @property
    def shown_layers(self) -> list[str]:
        """The names of the layers switched on."""
        return [layer.name for layer in self.layers if self._switch_stacks[layer.name].selected_index == 1]

    @property
    def frames(self) -> list[bytes]:
        """The PNG images shown, background first."""
        return [base64.b64decode(n.value.split('src="data:image/png;base64,', 1)[1].split('"', 1)[0])
                for n in self.shown]

    @property
    def alts(self) -> list[str]:
        """The alt texts of the images shown, background first."""
        return [html.unescape(n.value.split(' alt="', 1)[1].split('"', 1)[0]) for n in self.shown]

    @property
    def alt(self) -> str:
        """Everything a screen reader reads of the figure: the background's alt text, then each layer's."""
        return " ".join(self.alts)

    @property
    def frame(self) -> bytes:
        """The images shown composited into one PNG, as the reader sees them."""
        return composite(self.frames)

    def frame_for(self, **values) -> bytes:
        """The stored images for these values (the others as currently set), composited into one PNG."""
        return composite([png for png, _ in self._stored(values)])

    def alt_for(self, **values) -> str:
        """The stored alt texts for these values (the others as currently set), as :attr:`alt` joins them."""
        return " ".join(alt for _, alt in self._stored(values))

    def render(self, **values) -> bytes:
        """Draw the background and every layer switched on afresh, composited (what the stored images were
        made with)."""
        full = {**self.values, **values}
        shared = {c.name: full[c.name] for c in self.shared}
        pngs = [self._render(self.draw_fn, shared, transparent=False)]
        for layer in self._on_layers(full):
            own = {**shared, **{c.name: full[c.name] for c in layer.controls}}
            pngs.append(self._render(layer.draw, own, transparent=True))
        return composite(pngs)

    @property
    def result(self) -> dict[str, Any]:
        """What each layer switched on computes for the current values (``None`` for a layer without
        ``compute``)."""
        values = self.values
        shared = {c.name: values[c.name] for c in self.shared}
        return {layer.name: (None if layer.compute is None else
                             layer.compute(**shared, **{c.name: values[c.name] for c in layer.controls}))
                for layer in self._on_layers(values)}

    @property
    def n_frames(self) -> int:
        """Images stored: the backgrounds and every layer's."""
        return len(self._background) + sum(len(f) for f in self._layer_frames.values())

    @property
    def nbytes(self) -> int:
        return (sum(len(p) for p, _ in self._background.values())
                + sum(len(p) for f in self._layer_frames.values() for p, _ in f.values()))

    def __repr__(self) -> str:
        shared = " × ".join(f"{c.name}[{len(c.values)}]" for c in self.shared)
        per = ", ".join(layer.name + ("[" + " × ".join(f"{c.name}[{len(c.values)}]" for c in layer.controls) + "]"
                                      if layer.controls else "") for layer in self.layers)
        name = f"{self.title}: " if self.title else ""
        return f"LayeredWidget({name}{shared}{'; ' if shared else ''}layers {per}, {self.n_frames} images)"


def composite(pngs: Sequence[bytes]) -> bytes:
    """PNG images of one size laid over each other in order (the first opaque, the others transparent), as one
    PNG: what a reader sees of a :class:`LayeredWidget`."""
    from PIL import Image

    if not pngs:
        raise ValueError("composite needs at least one image")
    images = [Image.open(io.BytesIO(p)).convert("RGBA") for p in pngs]
    if len({im.size for im in images}) != 1:
        raise ValueError(f"composite needs images of one size, got {[im.size for im in images]}")
    out = images[0]
    for im in images[1:]:
        out = Image.alpha_composite(out, im)
    buf = io.BytesIO()
    out.convert("RGB").save(buf, format="png", compress_level=6)
    return buf.getvalue()


def layered_widget(draw: Callable[..., Any], controls: Sequence[Control], layers: Sequence[Layer],
                   **kwargs) -> LayeredWidget:
    """Build a :class:`LayeredWidget` (see its docstring)."""
    return LayeredWidget(draw, controls, layers, **kwargs)


def _move_controls(widget, values: dict[str, Any]):
    """Move ``widget``'s controls (by name) to ``values``, as a reader would; a bad name or a value the
    frames were not rendered for is a ``ValueError`` naming it. Returns the widget."""
    for name, value in values.items():
        control = next((c for c in widget.controls if c.name == name), None)
        if control is None:
            raise ValueError(f"Invalid control name: {name!r} (this widget has {[c.name for c in widget.controls]})")
        i = control.index_of(value)
        if i is None:
            raise ValueError(f"Invalid value for {name}: {value!r} "
                             f"(the frames were rendered for {list(control.values)})")
        widget.control_widgets[name].index = i
    return widget
