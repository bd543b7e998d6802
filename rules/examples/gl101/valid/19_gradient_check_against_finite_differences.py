import torch


def check_gradients(model, x, optimizer=None, eps=1e-4):
    x = x.double().requires_grad_()
    model(x).sum().backward()
    analytic = x.grad.clone()
    numeric = torch.zeros_like(x)
    for i in range(x.numel()):
        delta = torch.zeros_like(x).view(-1)
        delta[i] = eps
        delta = delta.view_as(x)
        numeric.view(-1)[i] = (model(x + delta).sum() - model(x - delta).sum()) / (2 * eps)
    return torch.allclose(analytic, numeric, atol=1e-3)
