"""The plain networks (SNUNet-CBAM, U-Net) and the change-detection loss (BCEDiceLoss)."""

from __future__ import annotations

import importlib.util
import io
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from visionyard.engine.losses import BCEDiceLoss
from visionyard.models.nets.snunet import SNUNetCBAM
from visionyard.models.nets.unet import UNet


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def pair(n: int, h: int, w: int, channels: int = 3, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, channels, h, w, generator=g), torch.randn(n, channels, h, w, generator=g)


# ---- SNUNet-CBAM -----------------------------------------------------------------------------


@pytest.mark.parametrize("use_attention", [True, False])
@pytest.mark.parametrize(("h", "w"), [(16, 16), (32, 48), (64, 32)])
def test_snunet_output_shape(use_attention: bool, h: int, w: int) -> None:
    model = SNUNetCBAM(base_channel=8, use_attention=use_attention).eval()
    before, after = pair(2, h, w)
    with torch.no_grad():
        assert model(before, after).shape == (2, 1, h, w)


def test_snunet_channels_and_classes() -> None:
    model = SNUNetCBAM(in_channels=4, num_classes=2, base_channel=8).eval()
    before, after = pair(2, 32, 32, channels=4)
    with torch.no_grad():
        assert model(before, after).shape == (2, 2, 32, 32)


def test_snunet_parameter_counts() -> None:
    # The paper's figures: 12.03M parameters at c = 32, 3.01M at c = 16.
    assert round(n_params(SNUNetCBAM(base_channel=32)) / 1e6, 2) == 12.03
    assert round(n_params(SNUNetCBAM(base_channel=16)) / 1e6, 2) == 3.01


def test_attention_is_optional() -> None:
    with_att, without = SNUNetCBAM(base_channel=8, use_attention=True), SNUNetCBAM(base_channel=8, use_attention=False)
    names_with = {name for name, _ in with_att.named_parameters()}
    names_without = {name for name, _ in without.named_parameters()}
    assert names_without < names_with
    assert any("intra" in n for n in names_with) and any("spatial" in n for n in names_with)
    assert n_params(with_att) > n_params(without)
    before, after = pair(2, 32, 32)
    with torch.no_grad():
        assert with_att.eval()(before, after).shape == without.eval()(before, after).shape


def test_snunet_is_siamese() -> None:
    model = SNUNetCBAM(base_channel=8).eval()
    encoders = [m for m in model.modules() if type(m).__name__ == "Encoder"]
    assert encoders == [model.encoder]
    seen: list[torch.Tensor] = []
    model.encoder.register_forward_hook(lambda _m, args, _out: seen.append(args[0]))
    before, after = pair(2, 32, 32)
    with torch.no_grad():
        model(before, after)
    assert len(seen) == 2 and torch.equal(seen[0], before) and torch.equal(seen[1], after)
    # One set of weights reads images: a single conv takes the 3 input channels.
    stem = model.encoder.stages[0].conv1.weight
    assert [p is stem for p in model.parameters() if p.ndim == 4 and p.shape[1] == 3] == [True]


def test_snunet_sees_the_difference() -> None:
    model = SNUNetCBAM(base_channel=8).eval()
    before, after = pair(1, 32, 32)
    with torch.no_grad():
        assert not torch.allclose(model(before, before), model(before, after))


@pytest.mark.parametrize("use_attention", [True, False])
def test_snunet_gradients_reach_first_conv(use_attention: bool) -> None:
    model = SNUNetCBAM(base_channel=8, use_attention=use_attention).train()
    before, after = pair(2, 32, 32)
    model(before, after).mean().backward()
    first = model.encoder.stages[0].conv1.weight.grad
    assert first is not None and torch.isfinite(first).all() and first.abs().sum() > 0
    assert all(p.grad is not None for p in model.parameters())


def test_snunet_trace_matches_eager() -> None:
    model = SNUNetCBAM(base_channel=8).eval()
    before, after = pair(2, 16, 16)
    with torch.no_grad():
        traced = torch.jit.trace(model, (before, after))
        other = pair(2, 32, 16, seed=1)
        torch.testing.assert_close(traced(*other), model(*other))


def export_snunet_onnx(model: nn.Module, before: torch.Tensor, after: torch.Tensor) -> bytes:
    buffer = io.BytesIO()
    torch.onnx.export(
        model,
        (before, after),
        buffer,
        dynamo=False,
        opset_version=17,
        input_names=["before", "after"],
        output_names=["logits"],
    )
    return buffer.getvalue()


def test_snunet_onnx_export() -> None:
    onnx = pytest.importorskip("onnx")
    proto = onnx.load_from_string(export_snunet_onnx(SNUNetCBAM(base_channel=8).eval(), *pair(1, 32, 32)))
    onnx.checker.check_model(proto)
    assert [i.name for i in proto.graph.input] == ["before", "after"]
    assert [o.name for o in proto.graph.output] == ["logits"]


@pytest.mark.skipif(importlib.util.find_spec("onnxruntime") is None, reason="onnxruntime is not installed")
def test_snunet_onnx_matches_eager() -> None:
    import onnxruntime

    model = SNUNetCBAM(base_channel=8).eval()
    before, after = pair(1, 32, 32)
    session = onnxruntime.InferenceSession(export_snunet_onnx(model, before, after), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"before": before.numpy(), "after": after.numpy()})
    with torch.no_grad():
        torch.testing.assert_close(torch.from_numpy(got), model(before, after), rtol=1e-4, atol=1e-4)


def test_snunet_overfits_one_pair() -> None:
    torch.manual_seed(0)
    before = torch.rand(1, 3, 32, 32)
    after = before.clone()
    mask = torch.zeros(1, 32, 32)
    mask[:, 8:20, 10:24] = 1
    after[:, :, 8:20, 10:24] = 1.0 - after[:, :, 8:20, 10:24]  # the changed region
    model = SNUNetCBAM(base_channel=8).train()
    loss_fn = BCEDiceLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(60):
        optimizer.zero_grad()
        logits = model(before, after)
        loss = loss_fn(logits, mask)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.25 * losses[0]
    predicted = (logits.detach()[:, 0] > 0).float()
    iou = (predicted * mask).sum() / ((predicted + mask) > 0).sum()
    assert iou > 0.8


# ---- U-Net -----------------------------------------------------------------------------------


@pytest.mark.parametrize("bilinear", [True, False])
@pytest.mark.parametrize(("depth", "h", "w"), [(4, 16, 16), (4, 32, 48), (3, 24, 40), (1, 6, 10)])
def test_unet_output_shape(bilinear: bool, depth: int, h: int, w: int) -> None:
    model = UNet(in_channels=3, num_classes=5, base_channel=8, depth=depth, bilinear=bilinear).eval()
    with torch.no_grad():
        assert model(torch.randn(2, 3, h, w)).shape == (2, 5, h, w)


def test_unet_gradients_reach_first_conv() -> None:
    model = UNet(base_channel=8).train()
    model(torch.randn(2, 3, 32, 32)).mean().backward()
    first = model.stem.block[0].weight.grad
    assert first is not None and first.abs().sum() > 0


@pytest.mark.parametrize("bilinear", [True, False])
def test_unet_trace_matches_eager(bilinear: bool) -> None:
    model = UNet(base_channel=8, bilinear=bilinear).eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        traced = torch.jit.trace(model, x)
        other = torch.randn(2, 3, 48, 64)
        torch.testing.assert_close(traced(other), model(other))


def test_unet_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        UNet(depth=0)


# ---- BCEDiceLoss -----------------------------------------------------------------------------


def test_loss_matches_hand_computation() -> None:
    values, labels = [2.0, -1.0, 0.5, -3.0], [1.0, 0.0, 0.0, 1.0]
    probs = [1 / (1 + math.exp(-v)) for v in values]
    pairs = list(zip(probs, labels, strict=True))
    bce = -sum(t * math.log(p) + (1 - t) * math.log(1 - p) for p, t in pairs) / 4
    dice = (2 * sum(p * t for p, t in pairs) + 1.0) / (sum(probs) + sum(labels) + 1.0)
    expected = 0.3 * bce + 0.7 * (1 - dice)

    logits = torch.tensor(values).reshape(1, 1, 2, 2)
    target = torch.tensor([1, 0, 0, 1]).reshape(1, 2, 2)
    loss_fn = BCEDiceLoss(weight_bce=0.3, weight_dice=0.7)
    assert loss_fn(logits, target).item() == pytest.approx(expected, rel=1e-5)
    # The same with a (N, 1, H, W) float target.
    assert loss_fn(logits, target.unsqueeze(1).float()).item() == pytest.approx(expected, rel=1e-5)


def test_loss_ignores_255() -> None:
    torch.manual_seed(0)
    logits = torch.randn(2, 1, 8, 8)
    target = (torch.rand(2, 8, 8) > 0.5).to(torch.uint8)
    ignore = torch.rand(2, 8, 8) > 0.7
    loss_fn = BCEDiceLoss()
    marked = torch.where(ignore, torch.full_like(target, 255), target)
    # What is under an ignored pixel, logit or label, does not matter.
    other_logits = torch.where(ignore.unsqueeze(1), torch.full_like(logits, 50.0), logits)
    torch.testing.assert_close(loss_fn(logits, marked), loss_fn(other_logits, marked))
    # Equal to the loss over the valid pixels alone.
    keep = ~ignore
    expected_bce = F.binary_cross_entropy_with_logits(logits[:, 0][keep], target[keep].float())
    probs, truth = torch.sigmoid(logits[:, 0][keep]), target[keep].float()
    expected_dice = 1 - (2 * (probs * truth).sum() + 1) / (probs.sum() + truth.sum() + 1)
    torch.testing.assert_close(loss_fn(logits, marked), 0.5 * expected_bce + 0.5 * expected_dice)
    # Nothing valid: zero, and no NaN.
    assert loss_fn(logits, torch.full_like(target, 255)).item() == 0.0


def test_loss_perfect_logits() -> None:
    target = torch.zeros(2, 16, 16, dtype=torch.long)
    target[:, 4:10, 3:12] = 1
    logits = (target.float() * 2 - 1).unsqueeze(1) * 30
    loss_fn = BCEDiceLoss(weight_bce=0.0, weight_dice=1.0)
    assert loss_fn(logits, target).item() < 1e-4
    assert BCEDiceLoss()(logits, target).item() < 1e-4
    assert BCEDiceLoss(weight_bce=0.0, weight_dice=1.0)(-logits, target).item() > 0.9


def test_loss_gradients_and_shape_checks() -> None:
    logits = torch.randn(2, 1, 4, 4, requires_grad=True)
    BCEDiceLoss()(logits, torch.ones(2, 4, 4, dtype=torch.bool)).backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all()
    with pytest.raises(ValueError):
        BCEDiceLoss()(torch.randn(2, 2, 4, 4), torch.ones(2, 4, 4))
    with pytest.raises(ValueError):
        BCEDiceLoss()(torch.randn(2, 1, 4, 4), torch.ones(2, 4, 5))
