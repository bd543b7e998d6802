# A LightningModule with manual optimization (Lightning's XLA test model) lost its
# `opt.step()`: the very next line clears the gradients before training_step returns, so
# neither the framework nor another hook (one that patches the optimizer) can step them.
from unittest.mock import patch

import torch
from lightning.pytorch import LightningModule


class ManualOptimizationModel(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(32, 2)
        self.automatic_optimization = False

    def on_train_start(self):
        opt = self.optimizers()
        self.opt_step_patch = patch.object(opt, "step", wraps=opt.step)
        self.opt_step_mock = self.opt_step_patch.start()

    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        loss = self.layer(batch).sum()
        self.manual_backward(loss)  # GL101
        opt.zero_grad()
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.layer.parameters(), lr=0.1)
