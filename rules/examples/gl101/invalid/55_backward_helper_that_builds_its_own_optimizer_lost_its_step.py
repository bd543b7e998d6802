# A forward/backward helper that nothing here calls is trusted to be stepped by its callers
# elsewhere, but not one that builds its own optimizer: no caller can reach that one.
import torch


def run_fwd_bwd(model, data, target, lr=0.1):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(data), target)
    loss.backward()  # GL101
    return loss
