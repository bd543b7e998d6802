# A distributed worker builds its optimizer, has it wrapped by the privacy engine, and
# steps the wrapped optimizer itself.
import torch
import torch.multiprocessing as mp
from opacus import PrivacyEngine
from opacus.optimizers import DPOptimizer


def demo_basic(rank, weight, loader):
    model = torch.nn.Linear(10, 10)
    optimizer = torch.optim.SGD(model.parameters(), lr=1)
    engine = PrivacyEngine()
    model, optimizer, loader = engine.make_private(
        module=model, optimizer=optimizer, data_loader=loader, noise_multiplier=0, max_grad_norm=1
    )
    assert isinstance(optimizer, DPOptimizer)
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        break
    weight.copy_(model.weight.data)


mp.spawn(demo_basic, args=(torch.zeros(10, 10), None), nprocs=2, join=True)
