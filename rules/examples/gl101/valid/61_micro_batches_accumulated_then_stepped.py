# Gradient accumulation: the gradients of every micro-batch add up (the clearing is outside
# the micro-batch loop), and the step after it uses them all.
import torch


def train(model, optimizer, loader, micro_batches):
    for batch in loader:
        optimizer.zero_grad()
        for micro in torch.chunk(batch, micro_batches):
            (model(micro).mean() / micro_batches).backward()
        optimizer.step()
