"""U-Net (Ronneberger et al., 2015) for semantic segmentation, with BatchNorm.

``depth`` 2x down-sampling stages; level ``i`` has ``base_channel * 2**i`` channels. Each decoder stage
up-samples (bilinear, or a 2x transposed conv halving the channels), concatenates the encoder skip of
its level and runs a double conv. Inputs must have H and W divisible by ``2**depth``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class DoubleConv(nn.Module):
    """(3x3 conv, BN, ReLU) twice."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.block(x)


class Down(nn.Module):
    """2x max-pooling, then a double conv."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.pool = nn.MaxPool2d(2)
        self.conv = DoubleConv(in_channels, out_channels)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(self.pool(x))


class Up(nn.Module):
    """2x up-sampling of the deeper features, concatenation with the skip, then a double conv."""

    def __init__(self, below_channels: int, skip_channels: int, out_channels: int, bilinear: bool):
        super().__init__()
        if bilinear:
            self.up: nn.Module = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
            up_channels = below_channels
        else:
            up_channels = below_channels // 2
            self.up = nn.ConvTranspose2d(below_channels, up_channels, kernel_size=2, stride=2)
        self.conv = DoubleConv(up_channels + skip_channels, out_channels)

    def forward(self, below: Tensor, skip: Tensor) -> Tensor:
        return self.conv(torch.cat([skip, self.up(below)], dim=1))


class UNet(nn.Module):
    """U-Net with BatchNorm double convs; logits ``(N, num_classes, H, W)``."""

    def __init__(
        self, in_channels: int = 3, num_classes: int = 2, base_channel: int = 32, depth: int = 4, bilinear: bool = True
    ):
        super().__init__()
        if min(in_channels, num_classes, base_channel, depth) < 1:
            raise ValueError("in_channels, num_classes, base_channel and depth must be positive")
        widths = [base_channel * 2**i for i in range(depth + 1)]
        self.depth = depth
        self.stem = DoubleConv(in_channels, widths[0])
        self.downs = nn.ModuleList(Down(widths[i], widths[i + 1]) for i in range(depth))
        # ups[k] brings level depth - k up to level depth - k - 1.
        self.ups = nn.ModuleList(Up(widths[i + 1], widths[i], widths[i], bilinear) for i in reversed(range(depth)))
        self.classifier = nn.Conv2d(widths[0], num_classes, kernel_size=1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        self.classifier.reset_parameters()  # fan-in default: fan-out He init would give very large initial logits

    def forward(self, x: Tensor) -> Tensor:
        skips = [self.stem(x)]
        for down in self.downs:
            skips.append(down(skips[-1]))
        y = skips.pop()
        for up in self.ups:
            y = up(y, skips.pop())
        return self.classifier(y)
