# A distributed worker (Opacus' DDP checks) builds its optimizer, has it wrapped by the
# privacy engine, checks its class, and is handed to `mp.spawn`. Its step was lost: the
# optimizer is its own, so nobody it is handed to can step it (a class is no optimizer),
# and the weight copied out is the initial one.
import torch
import torch.multiprocessing as mp
from opacus import PrivacyEngine
from opacus.optimizers import DPOptimizer


def demo_basic(rank, weight, loader, dp):
    model = torch.nn.Linear(10, 10)
    optimizer = torch.optim.SGD(model.parameters(), lr=1)
    engine = PrivacyEngine()
    if dp:
        model, optimizer, loader = engine.make_private(
            module=model, optimizer=optimizer, data_loader=loader, max_grad_norm=1
        )
    assert isinstance(optimizer, DPOptimizer)
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()  # GL101
        break
    weight.copy_(model.weight.data)


def run_demo(demo_fn, weight, loader, dp):
    mp.spawn(demo_fn, args=(weight, loader, dp), nprocs=2, join=True)


class DistributedCheck:
    def test_gradient_matches(self):
        run_demo(demo_basic, torch.zeros(10, 10), None, dp=True)
