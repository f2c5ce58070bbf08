/** Human names for the platform's config keys (the schema's titles are too terse: "Lr", "Type"). */

export const SECTION_TITLES: Record<string, string> = {
  training: "Training",
  optimizer: "Optimizer",
  scheduler: "Scheduler",
  augmentation: "Augmentation",
  preprocessing: "Preprocessing",
  validation: "Validation",
  early_stopping: "Early stopping",
  hardware: "Hardware",
  data: "Data loading",
  checkpoints: "Checkpoints",
  registry: "Registry",
  model: "Model",
};

export const FIELD_LABELS: Record<string, string> = {
  epochs: "Epochs",
  batch_size: "Batch size",
  lr: "Learning rate",
  seed: "Random seed",
  deterministic: "Deterministic",
  pretrained: "Start from pretrained weights",
  pretrained_weights: "Pretrained weights file",
  freeze_stages: "Frozen backbone stages",
  "optimizer.type": "Optimizer",
  "optimizer.weight_decay": "Weight decay",
  "optimizer.momentum": "Momentum",
  "optimizer.nesterov": "Nesterov momentum",
  "optimizer.betas": "Adam betas",
  "optimizer.amsgrad": "AMSGrad",
  "scheduler.type": "Scheduler",
  "scheduler.warmup_epochs": "Warmup epochs",
  "scheduler.step_size": "Step size",
  "scheduler.gamma": "Decay factor",
  "scheduler.min_lr": "Minimum learning rate",
  "scheduler.patience": "Plateau patience",
  "augmentation.enabled": "Use augmentation",
  "augmentation.horizontal_flip": "Horizontal flip",
  "augmentation.vertical_flip": "Vertical flip",
  "augmentation.rotation": "Rotation",
  "augmentation.random_resized_crop": "Random resized crop",
  "augmentation.crop_scale": "Crop scale",
  "augmentation.color_jitter.brightness": "Brightness jitter",
  "augmentation.color_jitter.contrast": "Contrast jitter",
  "augmentation.color_jitter.saturation": "Saturation jitter",
  "augmentation.color_jitter.hue": "Hue jitter",
  "augmentation.grayscale": "Grayscale",
  "augmentation.blur": "Blur",
  "augmentation.blur_sigma": "Blur sigma",
  "augmentation.auto_augment": "Auto augment",
  "augmentation.mixup_alpha": "Mixup alpha",
  "augmentation.cutmix_alpha": "CutMix alpha",
  "preprocessing.image_size": "Image size",
  "preprocessing.normalize": "Normalize",
  "preprocessing.mean": "Normalization mean",
  "preprocessing.std": "Normalization std",
  "preprocessing.interpolation": "Resize interpolation",
  "validation.val_split": "Validation split",
  "validation.interval": "Validate every",
  "validation.monitor": "Monitored metric",
  "validation.mode": "Monitor mode",
  "early_stopping.enabled": "Stop early",
  "early_stopping.patience": "Early-stopping patience",
  "early_stopping.min_delta": "Minimum improvement",
  "hardware.accelerator": "Accelerator",
  "hardware.devices": "Devices",
  "hardware.precision": "Precision",
  "data.num_workers": "Loader workers",
  "data.skip_invalid_images": "Skip unreadable images",
  "checkpoints.keep_latest": "Keep latest epochs",
  "registry.publish": "Publish when complete",
  "registry.name": "Registry name",
  "registry.alias": "Registry alias",
};

/** Units or hints the schema does not say, shown after the field's description. */
export const FIELD_UNITS: Record<string, string> = {
  "scheduler.warmup_epochs": "epochs",
  "augmentation.rotation": "degrees",
  "preprocessing.image_size": "pixels",
  "validation.interval": "epochs",
  "optimizer.betas": "two numbers",
  "augmentation.crop_scale": "low, high",
  "augmentation.blur_sigma": "low, high",
  "preprocessing.mean": "three numbers: red, green, blue",
  "preprocessing.std": "three numbers: red, green, blue",
};

/** Shown without "Show advanced settings": what most runs change. Model fields not marked advanced join them. */
export const BASIC_KEYS = new Set([
  "epochs",
  "batch_size",
  "lr",
  "optimizer.type",
  "scheduler.type",
  "preprocessing.image_size",
]);

export function humanise(name: string): string {
  const text = name.replace(/[_.]+/g, " ").trim();
  return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();
}
