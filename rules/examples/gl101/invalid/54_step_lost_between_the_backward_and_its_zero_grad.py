# Lightning Fabric's checkpoint test trains one step, then saves and builds a second model.
# The step between `fabric.backward(loss)` and `zero_grad()` was lost: the clearing empties
# the gradients at once, so the optimizers handed to Fabric afterwards cannot step them.
import torch
from lightning.fabric import Fabric


def train_save_load(fabric: Fabric, batch):
    model_1 = fabric.setup_module(torch.nn.Linear(32, 2))
    optimizer_1 = torch.optim.Adam(model_1.parameters(), lr=0.1)
    optimizer_1 = fabric.setup_optimizers(optimizer_1)

    loss = model_1(batch).sum()
    fabric.backward(loss)  # GL101
    optimizer_1.zero_grad()

    fabric.save("ckpt.pth", {"model": model_1, "optimizer": optimizer_1})
    model_2 = fabric.setup_module(torch.nn.Linear(32, 2))
    optimizer_2 = torch.optim.Adam(model_2.parameters(), lr=0.1)
    optimizer_2 = fabric.setup_optimizers(optimizer_2)
    fabric.load("ckpt.pth", {"model": model_2, "optimizer": optimizer_2})
