"""course_lib.widgets.backprop: what each widget computes, against torch; frames match their values."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402

from course_lib import backprop as bp  # noqa: E402
from course_lib.widgets import backprop as wb  # noqa: E402

F64 = torch.float64


def torch_after(steps: int, lr: float):
    """Weights, biases, gradients and loss of Net222 (float64) after ``steps`` torch.optim.SGD updates."""
    net = bp.make_net222(F64)
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    x, t = torch.tensor(bp.SEED["i"], dtype=F64), torch.tensor(bp.SEED["target"], dtype=F64)
    for _ in range(steps):
        opt.zero_grad()
        (torch.sum((net(x) - t) ** 2) / 2).backward()
        opt.step()
    grads = bp.net222_gradients(net)
    w = net.linear1.weight.flatten().tolist() + net.linear2.weight.flatten().tolist()
    b = [net.linear1.bias.item(), net.linear2.bias.item()]
    with torch.no_grad():
        out = net(x)
        value = (torch.sum((out - t) ** 2) / 2).item()
    return w, b, grads, value, out.tolist()


@pytest.fixture(scope="module")
def step():
    return wb.step_widget(steps=6)


def test_step_widget_results_equal_torch(step):
    assert step.n_frames == 7
    assert step.values == {"step": 0}
    for k in (0, 1, 6):
        step.set(step=k)
        rec = step.result
        w, b, grads, value, out = torch_after(k, 0.5)
        assert rec["step"] == k
        assert list(rec["w"]) == pytest.approx(w, rel=1e-12)
        assert list(rec["b"]) == pytest.approx(b, rel=1e-12)
        assert rec["loss"] == pytest.approx(value, rel=1e-12)
        assert list(rec["out"]) == pytest.approx(out, rel=1e-12)
        for name in bp.PARAM_NAMES:
            assert rec["grads"][name] == pytest.approx(grads[name], rel=1e-10, abs=1e-15), (k, name)
    step.set(step=0)
    assert step.result["loss"] == pytest.approx(0.298371109, abs=1e-9)


def test_step_widget_frames(step):
    step.set(step=2)
    assert step.frame == step.frame_for(step=2)
    assert step.frame == step.render(**step.values)
    step.set(step=5)
    assert step.frame == step.frame_for(step=5)
    assert step.frame_for(step=2) != step.frame_for(step=5)
    assert bytes(step.frame).startswith(b"\x89PNG")


def test_step_widget_rejects_bad_steps():
    with pytest.raises(ValueError, match="Invalid steps"):
        wb.step_widget(steps=0)


@pytest.fixture(scope="module")
def training():
    return wb.training_widget(lrs=(0.5, 2.0), iterations=(10, 100))


def test_training_widget_results_equal_torch(training):
    assert training.n_frames == 4
    assert training.values == {"lr": 0.5, "iterations": 10}
    for lr, n in ((0.5, 10), (2.0, 100)):
        training.set(lr=lr, iterations=n)
        d = training.result
        ref = bp.train_net222(lambda p, lr=lr: torch.optim.SGD(p, lr=lr), n + 1, loss="half_sse", dtype=F64)
        assert d["losses"] == pytest.approx(ref, rel=1e-10)
        w, b, _, value, out = torch_after(n, lr)
        assert d["loss"] == pytest.approx(value, rel=1e-10)
        assert list(d["out"]) == pytest.approx(out, rel=1e-12)
        assert list(d["w"]) == pytest.approx(w, rel=1e-10)


def test_training_widget_frames(training):
    training.set(lr=2.0, iterations=100)
    assert training.frame == training.frame_for(lr=2.0, iterations=100)
    assert training.frame == training.render(**training.values)
    training.set(lr=0.5, iterations=10)
    assert training.frame == training.frame_for(lr=0.5, iterations=10)
    assert training.frame_for(lr=0.5, iterations=10) != training.frame_for(lr=2.0, iterations=100)
    assert training.frame_for(lr=0.5, iterations=100) != training.frame_for(lr=2.0, iterations=100)


def test_training_widget_rejects_bad_iterations():
    with pytest.raises(ValueError, match="Invalid iterations"):
        wb.training_widget(iterations=(100, 10))
    with pytest.raises(ValueError, match="at most"):
        wb.training_widget(iterations=(10, 10**6))


def test_training_animation_is_deterministic_html():
    a = wb.training_animation(frames=3, last=100)
    b = wb.training_animation(frames=3, last=100)
    assert a.data == b.data
    assert "<img" in a.data or "img" in a.data


def test_draw_network_without_gradients():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        assert wb.draw_network(ax) is ax
        labels = [t.get_text() for t in ax.texts]
        assert "w5 = 0.400" in labels and "b2 = 0.600" in labels and "0.751" in labels
    finally:
        plt.close(fig)
