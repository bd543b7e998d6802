# A distributed worker (Opacus' gradient checks) hands its own optimizer to a training
# helper of the same file for one mode, and trains itself for the other. Its own step was
# lost. The helper neither keeps nor returns the optimizer, and whoever the worker is
# handed to cannot reach it: the weight copied out is the initial one.
import torch
import torch.multiprocessing as mp


def run_ghost_clipping(model, optimizer, loader):
    for x, y in loader:
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()


def demo_basic(rank, weight, loader, ghost):
    model = torch.nn.Linear(10, 10)
    optimizer = torch.optim.SGD(model.parameters(), lr=1)
    if ghost:
        run_ghost_clipping(model, optimizer, loader)
        return
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()  # GL101
        break
    weight.copy_(model.weight.data)


def run_demo(demo_fn, weight, loader, ghost):
    mp.spawn(demo_fn, args=(weight, loader, ghost), nprocs=2, join=True)


class GradientCheck:
    def test_weights_match(self):
        run_demo(demo_basic, torch.zeros(10, 10), None, ghost=False)
