# Opacus' old API attaches the privacy engine to the optimizer (it hooks the step; it
# never steps by itself). This DDP worker's step was lost, so its weight stays put.
import torch
import torch.multiprocessing as mp
from opacus import PrivacyEngine


def demo_basic(rank, weight, batch):
    model = torch.nn.Linear(10, 5)
    optimizer = torch.optim.SGD(model.parameters(), lr=1)
    engine = PrivacyEngine(model, batch_size=8, sample_size=80, noise_multiplier=0)
    engine.attach(optimizer)
    optimizer.zero_grad()
    x, y = batch
    torch.nn.functional.mse_loss(model(x), y).backward()  # GL101
    weight.copy_(model.weight.data)


def run_function(fn, weight, batch):
    mp.spawn(fn, args=(weight, batch), nprocs=2, join=True)


run_function(demo_basic, torch.zeros(5, 10), None)
