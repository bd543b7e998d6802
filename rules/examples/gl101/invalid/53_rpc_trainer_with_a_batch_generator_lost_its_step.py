# pytorch/examples' DDP + RPC trainer: a distributed optimizer built in the trainer, a batch
# generator nested beside it, the trainer handed to `rpc.rpc_async`. The step was lost: the
# generator holds no optimizer, so nobody the trainer is handed to can step this one.
import torch
import torch.distributed.autograd as dist_autograd
import torch.distributed.rpc as rpc
from torch import optim
from torch.distributed.optim import DistributedOptimizer


def _run_trainer(remote_emb_module, rank):
    model = torch.nn.Linear(16, 8)
    opt = DistributedOptimizer(optim.SGD, [rpc.RRef(p) for p in model.parameters()], lr=0.05)
    criterion = torch.nn.CrossEntropyLoss()

    def get_next_batch():
        for _ in range(10):
            yield torch.randn(4, 16), torch.randint(0, 8, (4,))

    for inputs, target in get_next_batch():
        with dist_autograd.context() as context_id:
            loss = criterion(model(inputs), target)
            dist_autograd.backward(context_id, [loss])  # GL101


def run_worker(rank, world_size):
    futs = [rpc.rpc_async(f"trainer{r}", _run_trainer, args=(None, r)) for r in (0, 1)]
    for fut in futs:
        fut.wait()
