# A commented step in a branch that only clips, with the step after the ``if`` on every
# path: no path loses its update.
import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
clip = True

for x, y in zip(torch.randn(10, 8, 4), torch.randn(10, 8, 1)):
    optimizer.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()
    if clip:
        # optimizer.step() used to run before clipping
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    else:
        optimizer.step()
        continue
    optimizer.step()
