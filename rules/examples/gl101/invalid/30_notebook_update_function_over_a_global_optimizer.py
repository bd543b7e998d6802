# A notebook's process function over a global optimizer, handed to an engine; nothing else
# in the module uses that optimizer, and its step was deleted.
import torch
from ignite.engine import Engine

model = torch.nn.Linear(4, 2)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = torch.nn.CrossEntropyLoss()


def update_fn(engine, batch):
    model.train()
    x, y = batch
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()  # GL101
    return loss.item()


trainer = Engine(update_fn)
