# A worker started in its own process (pytorch/examples' ImageNet script, its step removed):
# `mp.spawn` runs it in a child process, so no code after it returns can step its optimizer.
import torch
import torch.multiprocessing as mp


def main_worker(rank, world_size):
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in [(torch.randn(2, 4), torch.randn(2, 1))] * 5:
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()  # GL101


def main():
    mp.spawn(main_worker, args=(2,), nprocs=2)
