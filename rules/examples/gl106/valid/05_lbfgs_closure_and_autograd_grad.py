import torch


def fit(model, x, y, steps):
    optimizer = torch.optim.LBFGS(model.parameters())

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        return loss

    for _ in range(steps):
        optimizer.step(closure)


def penalty(critic, x):
    x.requires_grad_(True)
    for _ in range(3):
        (grad,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
        x = x + grad
    return x
