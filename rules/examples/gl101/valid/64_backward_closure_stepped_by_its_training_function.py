# A backward closure inside the training function; the function steps after calling it.
import torch


def train_one_epoch(model, loader, optimizer, accum_steps):
    def _backward(_loss):
        _loss.backward()

    for i, (x, y) in enumerate(loader):
        loss = torch.nn.functional.cross_entropy(model(x), y) / accum_steps
        _backward(loss)
        if (i + 1) % accum_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
