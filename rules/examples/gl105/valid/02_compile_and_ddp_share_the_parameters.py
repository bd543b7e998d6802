import torch
from torch.nn.parallel import DistributedDataParallel as DDP


def train(model, loader, rank):
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model = DDP(model, device_ids=[rank])
    model = torch.compile(model)
    model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
