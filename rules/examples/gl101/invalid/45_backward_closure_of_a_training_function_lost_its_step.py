# timm's train_one_epoch keeps its backward in a closure, `_backward(loss)`, which steps once
# the accumulation is complete. The closure's step was lost, and nothing in the function
# that calls it steps instead.
import torch


def train_one_epoch(model, loader, optimizer, accum_steps, clip_grad=None):
    def _backward(_loss, need_update):
        _loss.backward()  # GL101
        if need_update and clip_grad is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad)

    for i, (x, y) in enumerate(loader):
        need_update = (i + 1) % accum_steps == 0
        loss = torch.nn.functional.cross_entropy(model(x), y) / accum_steps
        _backward(loss, need_update)
        if need_update:
            optimizer.zero_grad()
