# A notebook trains, then builds a fresh model to show gradient clipping: one backward, the
# gradients printed and clipped. The optimizer of the earlier cells holds the old model's
# parameters, so no step could consume these; the next training cell builds its own.
import torch


def largest_gradient(net):
    return max(p.grad.abs().max() for p in net.parameters() if p.grad is not None)


model = torch.nn.Linear(8, 1)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
for x, y in [(torch.randn(4, 8), torch.randn(4, 1))] * 3:
    optimizer.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()
    optimizer.step()

model = torch.nn.Linear(8, 1)
loss = torch.nn.functional.mse_loss(model(torch.randn(4, 8)), torch.randn(4, 1))
loss.backward()
print(largest_gradient(model))
torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)

model = torch.nn.Linear(8, 1)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
for x, y in [(torch.randn(4, 8), torch.randn(4, 1))] * 3:
    optimizer.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()
    optimizer.step()
