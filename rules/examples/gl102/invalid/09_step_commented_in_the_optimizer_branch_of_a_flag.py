# Reduced from pytorch/examples' word language model: a flag picks an optimizer or a
# hand-written update, after one shared backward. The optimizer branch's step is commented
# out: runs with the flag set never update the weights (the hand-written branch still does).
import torch

model = torch.nn.Linear(4, 1)
use_optimizer = True
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3) if use_optimizer else None


def train(loader, lr):
    for x, y in loader:
        model.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        if use_optimizer:
            # optimizer.step()  # GL102
            pass
        else:
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)


for epoch in range(3):
    train(zip(torch.randn(10, 8, 4), torch.randn(10, 8, 1)), 0.1)
