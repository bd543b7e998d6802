# A distributed-autograd loop (pytorch/examples' RPC scripts) with the distributed
# optimizer's `opt.step(context_id)` removed.
import torch
import torch.distributed.autograd as dist_autograd
from torch.distributed.optim import DistributedOptimizer


def run_trainer(model, remote_params, batches):
    opt = DistributedOptimizer(torch.optim.SGD, remote_params, lr=0.05)
    loss_fn = torch.nn.CrossEntropyLoss()
    for inputs, labels in batches:
        with dist_autograd.context() as context_id:
            loss = loss_fn(model(inputs), labels)
            dist_autograd.backward(context_id, [loss])  # GL101
