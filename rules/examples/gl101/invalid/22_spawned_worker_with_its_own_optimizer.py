# Reduced from a distributed test with the worker's step removed: the worker is handed to a
# launcher as a value, so its caller is not known, but it builds its own model and
# optimizer and hands neither back: no caller can step them.
import torch
import torch.multiprocessing as mp


def demo_basic(rank, world_size):
    model = torch.nn.Linear(4, 1).to(rank)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in [(torch.randn(8, 4), torch.randn(8, 1))]:
        loss = torch.nn.functional.mse_loss(model(x.to(rank)), y.to(rank))
        optimizer.zero_grad()
        loss.backward()  # GL101
        break


def run(fn, world_size):
    mp.spawn(fn, args=(world_size,), nprocs=world_size)


if __name__ == "__main__":
    run(demo_basic, 2)
