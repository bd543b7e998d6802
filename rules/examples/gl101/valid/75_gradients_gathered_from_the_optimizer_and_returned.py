# PyTorch-LBFGS's `get_grad`: backpropagate over ghost batches, then take the flat gradient
# the optimizer holds and return it; the caller runs the two-loop recursion and steps.
import torch
import torch.nn.functional as F


def get_grad(optimizer, X, y, opfun, ghost_batch=128):
    optimizer.zero_grad()
    obj = 0.0
    for idx in torch.arange(len(X)).split(ghost_batch):
        loss = F.cross_entropy(opfun(X[idx]), y[idx]) * (len(idx) / len(X))
        loss.backward()
        obj += loss
    grad = optimizer._gather_flat_grad()
    return grad, obj
