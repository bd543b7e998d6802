import torch
from torch.func import functional_call, grad

model = torch.nn.Linear(3, 1)
params = {k: v.detach() for k, v in model.named_parameters()}
optimizer_lr = 0.1


def loss_fn(p, x, y):
    return torch.nn.functional.mse_loss(functional_call(model, p, (x,)), y)


for x, y in [(torch.randn(4, 3), torch.randn(4, 1))] * 5:
    grads = grad(loss_fn)(params, x, y)
    params = {k: params[k] - optimizer_lr * grads[k] for k in params}
