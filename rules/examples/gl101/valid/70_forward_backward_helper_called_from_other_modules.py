# ColossalAI's test kit: `run_fwd_bwd` runs the forward and backward pass for the tests in
# other modules, which step their optimizers right after it returns.
import torch


def run_fwd(model, data, criterion):
    return criterion(model(**data))


def run_fwd_bwd(model, data, criterion, optimizer=None) -> torch.Tensor:
    loss = run_fwd(model, data, criterion)
    if optimizer:
        optimizer.backward(loss)
    else:
        loss.backward()
    return loss
