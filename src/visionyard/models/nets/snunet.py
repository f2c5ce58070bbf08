"""SNUNet-CBAM: a Siamese nested U-Net for change detection between two co-registered images.

After Fang et al., 2021, "SNUNet-CD: A Densely Connected Siamese Network for Change Detection of VHR
Images" (IEEE GRSL, doi:10.1109/LGRS.2021.3056416).

* One encoder (five stages, channels ``c, 2c, 4c, 8c, 16c``) with shared weights reads both images.
* A UNet++ decoder: node ``X[i][j]`` (level ``i``, column ``j >= 1``) sees the encoder features of both
  images at level ``i``, every earlier decoder node of its level, and the up-sampled node ``X[i+1][j-1]``.
  For the first column that node is an encoder output; as in the authors' release, the "after" image's
  one is taken.
* The four full-resolution nodes ``X[0][1..4]`` are the deep-supervision outputs. The ensemble channel
  attention module (ECAM) weights their concatenation with CBAM's channel attention, helped by the
  attention of their sum (the intra-group attention). The paper's ECAM uses CBAM's channel attention
  only; this model (hence "-CBAM") follows it with CBAM's spatial attention before the 1x1 classifier.
* ``use_attention=False`` is the paper's plain variant: a 1x1 conv over the concatenated four outputs.

Inputs must have H and W divisible by 16 (four 2x poolings).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

DEPTH = 5  # encoder stages, i.e. levels of the nested decoder
CHANNEL_REDUCTION = 16


class ConvBlock(nn.Module):
    """Two 3x3 conv + BN layers with a residual connection from the first conv's output."""

    def __init__(self, in_channels: int, mid_channels: int, out_channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, mid_channels, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(mid_channels)
        self.conv2 = nn.Conv2d(mid_channels, out_channels, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        shortcut = self.conv1(x)
        y = self.relu(self.bn1(shortcut))
        y = self.bn2(self.conv2(y))
        return self.relu(y + shortcut)


class UpBlock(nn.Module):
    """2x learned up-sampling (transposed conv), channels unchanged."""

    def __init__(self, channels: int):
        super().__init__()
        self.up = nn.ConvTranspose2d(channels, channels, kernel_size=2, stride=2)

    def forward(self, x: Tensor) -> Tensor:
        return self.up(x)


class ChannelAttention(nn.Module):
    """CBAM's channel attention: a shared MLP over global average- and max-pooled features.

    Returns the per-channel weights ``(N, C, 1, 1)`` in (0, 1); the caller applies them."""

    def __init__(self, channels: int, reduction: int = CHANNEL_REDUCTION):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.max_pool = nn.AdaptiveMaxPool2d(1)
        self.mlp = nn.Sequential(
            nn.Conv2d(channels, hidden, 1, bias=False),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, channels, 1, bias=False),
        )

    def forward(self, x: Tensor) -> Tensor:
        return torch.sigmoid(self.mlp(self.avg_pool(x)) + self.mlp(self.max_pool(x)))


class SpatialAttention(nn.Module):
    """CBAM's spatial attention: a 7x7 conv over the channel-wise mean and max maps.

    Returns the per-pixel weights ``(N, 1, H, W)`` in (0, 1); the caller applies them."""

    def __init__(self, kernel_size: int = 7):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        pooled = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)
        return torch.sigmoid(self.conv(pooled))


class DecoderNode(nn.Module):
    """Nested-decoder node: up-samples the node below and fuses it with the skips of its level."""

    def __init__(self, skip_channels: int, below_channels: int, out_channels: int):
        super().__init__()
        self.up = UpBlock(below_channels)
        self.conv = ConvBlock(skip_channels + below_channels, out_channels, out_channels)

    def forward(self, skips: list[Tensor], below: Tensor) -> Tensor:
        return self.conv(torch.cat([*skips, self.up(below)], dim=1))


class ECAM(nn.Module):
    """Ensemble channel attention over ``groups`` same-shaped outputs, then spatial attention and a 1x1
    classifier.

    ``stacked`` is the concatenation of the outputs; their sum gives the intra-group channel weights,
    which are added to each group before the inter-group channel weights are applied."""

    def __init__(self, channels: int, groups: int, num_classes: int):
        super().__init__()
        self.groups = groups
        self.intra = ChannelAttention(channels, reduction=CHANNEL_REDUCTION // groups)
        self.inter = ChannelAttention(channels * groups, reduction=CHANNEL_REDUCTION)
        self.spatial = SpatialAttention()
        self.classifier = nn.Conv2d(channels * groups, num_classes, kernel_size=1)

    def forward(self, outputs: list[Tensor]) -> Tensor:
        stacked = torch.cat(outputs, dim=1)
        intra = self.intra(torch.stack(outputs, dim=0).sum(dim=0))
        refined = self.inter(stacked) * (stacked + intra.repeat(1, self.groups, 1, 1))
        refined = refined * self.spatial(refined)
        return self.classifier(refined)


class ConcatFusion(nn.Module):
    """The no-attention head: a 1x1 conv over the concatenated outputs."""

    def __init__(self, channels: int, groups: int, num_classes: int):
        super().__init__()
        self.classifier = nn.Conv2d(channels * groups, num_classes, kernel_size=1)

    def forward(self, outputs: list[Tensor]) -> Tensor:
        return self.classifier(torch.cat(outputs, dim=1))


class Encoder(nn.Module):
    """Five conv stages with 2x max-pooling between them; returns every stage's output."""

    def __init__(self, in_channels: int, widths: list[int]):
        super().__init__()
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        ins = [in_channels, *widths[:-1]]
        self.stages = nn.ModuleList(ConvBlock(i, w, w) for i, w in zip(ins, widths, strict=True))

    def forward(self, x: Tensor) -> list[Tensor]:
        features = []
        for level, stage in enumerate(self.stages):
            x = stage(x if level == 0 else self.pool(x))
            features.append(x)
        return features


class SNUNetCBAM(nn.Module):
    """Siamese nested U-Net with the ECAM head (channel, then spatial attention); logits ``(N, num_classes, H, W)``.

    ``forward(before, after)``: two ``(N, in_channels, H, W)`` images, H and W divisible by 16."""

    def __init__(self, in_channels: int = 3, num_classes: int = 1, base_channel: int = 32, use_attention: bool = True):
        super().__init__()
        if in_channels < 1 or num_classes < 1 or base_channel < 1:
            raise ValueError("in_channels, num_classes and base_channel must be positive")
        widths = [base_channel * 2**i for i in range(DEPTH)]
        self.widths = widths
        self.encoder = Encoder(in_channels, widths)
        # nodes[f"{i}_{j}"] is X[i][j]; its skips are both encoder outputs and the j - 1 earlier nodes of level i.
        self.nodes = nn.ModuleDict(
            {
                f"{i}_{j}": DecoderNode(widths[i] * (j + 1), widths[i + 1], widths[i])
                for j in range(1, DEPTH)
                for i in range(DEPTH - j)
            }
        )
        head = ECAM if use_attention else ConcatFusion
        self.head = head(widths[0], DEPTH - 1, num_classes)
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        # The classifier keeps PyTorch's default (fan-in) init: fan-out He init on a conv with one or two
        # output channels would start from logits of a very large scale.
        self.head.classifier.reset_parameters()

    def forward(self, before: Tensor, after: Tensor) -> Tensor:
        feats_a = self.encoder(before)
        feats_b = self.encoder(after)
        # grid[i][j] holds X[i][j] for j >= 1; column 0 is the "after" encoder output (the up-sampled input).
        grid: list[list[Tensor]] = [[feats_b[i]] for i in range(DEPTH)]
        for j in range(1, DEPTH):
            for i in range(DEPTH - j):
                skips = [feats_a[i], feats_b[i], *grid[i][1:j]]
                grid[i].append(self.nodes[f"{i}_{j}"](skips, grid[i + 1][j - 1]))
        return self.head(grid[0][1:])
